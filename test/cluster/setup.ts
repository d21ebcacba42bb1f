// Mocha root hook for the cluster suites: starts the sandbox, or reuses the running one (a few
// milliseconds), before any cluster test. It never stops it: `npm test` does at the end, and other
// suites (and people) share the running sandbox.
import { SandboxError, up } from '../../scripts/sandbox/cluster';

export const mochaHooks = {
  async beforeAll(this: Mocha.Context): Promise<void> {
    // A cold start builds Kubernetes from Go modules: allow for CI's budget.
    this.timeout(90 * 60 * 1000);
    try {
      const figures = await up();
      if (!figures.reused) {
        console.log(
          `sandbox started: build ${figures.buildSeconds?.toFixed(1)} s, start ${figures.startSeconds?.toFixed(1)} s`,
        );
      }
    } catch (error) {
      if (error instanceof SandboxError)
        throw new Error(`the sandbox cluster could not start: ${error.message}`);
      throw error;
    }
  },
};
