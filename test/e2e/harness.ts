// The contract between scripts/rig/runE2e.ts and the journeys in test/e2e/*.e2e.ts.
//
// A journey file exports `journey`:
//   import type { Journey } from './harness';
//   export const journey: Journey = {
//     name: 'dev-pods',                       // kebab-case; screenshots are test-results/<name>-<step>.png
//     async run(page, ctx) {
//       await ctx.workbench.openKubeMl();
//       await ctx.workbench.runCommand('Kube ML: Create Dev Pod');
//       ...
//       await ctx.screenshot('created', ctx.workbench.view('Dev Pods'));
//     },
//   };
// Each journey gets a freshly loaded workbench page (same code-server, same browser profile,
// the packaged extension installed, KUBECONFIG = the sandbox). A journey throws to fail; on failure
// the runner saves test-results/<name>-failure.png. Clean up what you create on the cluster.
// Select by role, aria-label or text; wait on conditions (locator.waitFor, ctx.waitFor), never sleep.
import * as k8s from '@kubernetes/client-node';
import type { Locator, Page } from '../../scripts/rig/browser';
import type { Workbench } from './workbench';

export type { FrameLocator, Locator, Page } from '../../scripts/rig/browser';
export type { Workbench } from './workbench';

export interface JourneyContext {
  /** Workbench-level actions (activity bar, views, palette, quick picks, notifications, webviews). */
  readonly workbench: Workbench;
  /** Saves test-results/<journey>-<step>.png of `target` (default: the whole page); returns its path. */
  screenshot(step: string, target?: Locator): Promise<string>;
  /** Polls `condition` (every 100 ms) until it returns a truthy value; throws naming `what` on timeout. */
  waitFor<T>(
    condition: () => T | undefined | null | false | Promise<T | undefined | null | false>,
    timeoutMs: number,
    what: string,
  ): Promise<T>;
  /** The kubeconfig code-server (and so the extension) was started with: the sandbox's. */
  readonly kubeconfigPath: string;
  /** The packaged extension installed in the workbench (for a journey that starts a code-server of its own). */
  readonly vsixPath: string;
  /** The folder opened in the workbench (fresh per run; journeys may write files into it). */
  readonly workspacePath: string;
  readonly repoRoot: string;
  /** A line in the run's output, prefixed with the journey name. */
  log(message: string): void;
}

export interface Journey {
  /** kebab-case, unique: used for screenshots and --journey filtering. */
  readonly name: string;
  /** Default 120 s. */
  readonly timeoutMs?: number;
  run(page: Page, context: JourneyContext): Promise<void>;
}

/** A namespace a journey creates for itself on the sandbox, with an admin client to set it up. */
export interface TestNamespace {
  readonly name: string;
  readonly core: k8s.CoreV1Api;
  /** Deletes the namespace at once; ignores failures (the sandbox sweeps labelled leftovers). */
  delete(): Promise<void>;
}

/** Creates `<prefix>-<time>`, labelled as a test namespace, as the sandbox admin. */
export async function createTestNamespace(
  ctx: JourneyContext,
  prefix: string,
): Promise<TestNamespace> {
  const kubeConfig = new k8s.KubeConfig();
  kubeConfig.loadFromFile(ctx.kubeconfigPath);
  kubeConfig.setCurrentContext('kube-ml-sandbox');
  const core = kubeConfig.makeApiClient(k8s.CoreV1Api);
  const name = `${prefix}-${Date.now().toString(36)}`;
  await core.createNamespace({
    body: { metadata: { name, labels: { 'sandbox.kube-ml.dev/test-namespace': 'true' } } },
  });
  return {
    name,
    core,
    delete: async () => {
      await core.deleteNamespace({ name, gracePeriodSeconds: 0 }).catch(() => undefined);
    },
  };
}
