// The one polling wait of the test suites, the rig and the benchmarks: no sleeps, a condition.

/**
 * Polls `condition` (now, then every `intervalMs`) until it returns a truthy value, which is
 * returned, or `timeoutMs` passes. A condition that throws counts as "not yet"; the timeout
 * error names `what` and the last error the condition threw.
 */
export async function waitFor<T>(
  condition: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  timeoutMs: number,
  what: string,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await condition();
      if (value) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const reason = lastError instanceof Error ? `; last error: ${lastError.message}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${reason}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
