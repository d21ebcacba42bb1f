// Continuous requests through a forwarded port: one GET on a fresh connection after another, each
// outcome kept with its time, so a fault shows as failed requests and a gap between successes.
import * as http from 'node:http';

interface Outcome {
  readonly at: number;
  readonly ok: boolean;
}

const REQUEST_TIMEOUT_MS = 3000;

function get(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const request = http.get(url, { agent: false, timeout: REQUEST_TIMEOUT_MS }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode === 200));
      response.on('error', () => resolve(false));
    });
    request.on('timeout', () => request.destroy(new Error('timed out')));
    request.on('error', () => resolve(false));
  });
}

export class RequestLoop {
  readonly outcomes: Outcome[] = [];
  private running = true;
  private readonly done: Promise<void>;

  constructor(url: () => string | undefined, intervalMs = 100) {
    this.done = (async () => {
      while (this.running) {
        const target = url();
        const ok = target ? await get(target) : false;
        this.outcomes.push({ at: Date.now(), ok });
        await new Promise((resolve) => setTimeout(resolve, intervalMs));
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.done;
  }

  okSince(time: number): number {
    return this.outcomes.filter((outcome) => outcome.at > time && outcome.ok).length;
  }

  failedSince(time: number): number {
    return this.outcomes.filter((outcome) => outcome.at > time && !outcome.ok).length;
  }

  /** Seconds from `time` to the first success after the last failure that followed it (0 if none failed). */
  outageAfter(time: number): number | undefined {
    const after = this.outcomes.filter((outcome) => outcome.at > time);
    const lastFailure = after.map((outcome) => outcome.ok).lastIndexOf(false);
    if (lastFailure === -1) return 0;
    const recovery = after.slice(lastFailure + 1).find((outcome) => outcome.ok);
    return recovery ? (recovery.at - time) / 1000 : undefined;
  }
}
