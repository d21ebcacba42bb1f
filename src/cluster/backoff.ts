/**
 * Capped exponential backoff, the one way the extension waits between retries (watch caches, log
 * follow, the port-forward pod watch, terminal reconnects, model upload resumes), each with its
 * own numbers: the wait before retry n (0 first) is initialMs * 2^n, at most maxMs.
 */
export interface BackoffPolicy {
  readonly initialMs: number;
  readonly maxMs: number;
}

/** Past 2^30 doublings every policy is at its cap; stopping there keeps the product finite. */
const MAX_DOUBLINGS = 30;

export function backoffDelay(policy: BackoffPolicy, attempt: number): number {
  return Math.min(
    policy.maxMs,
    policy.initialMs * 2 ** Math.min(MAX_DOUBLINGS, Math.max(0, attempt)),
  );
}

/** The waits of one retry loop: next() is the wait before the next retry; reset() after a success. */
export class Backoff {
  private attempt = 0;

  constructor(private readonly policy: BackoffPolicy) {}

  next(): number {
    return backoffDelay(this.policy, this.attempt++);
  }

  reset(): void {
    this.attempt = 0;
  }
}
