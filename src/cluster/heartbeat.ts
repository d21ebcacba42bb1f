import type { Disposable } from './session';
import { NODE_TIMERS, type Timers } from './timers';

export interface HeartbeatOptions {
  /** Quiet time between an answer and the next ping. */
  readonly intervalMs: number;
  /** How long a ping may go unanswered before the connection counts as dead. */
  readonly timeoutMs: number;
}

/**
 * A pong deadline for a long-lived connection. A connection that died without a FIN or RST (the
 * computer slept, a NAT or VPN forgot it) stays open for TCP's retransmission timeout, a quarter
 * of an hour, and with nothing to send, for ever. Pinging and expecting something back within a
 * deadline notices it in seconds.
 */
export class Heartbeat implements Disposable {
  private timer: unknown;
  private awaitingAnswer = false;
  private stopped = false;

  constructor(
    private readonly options: HeartbeatOptions,
    private readonly ping: () => void,
    private readonly onDead: (message: string) => void,
    private readonly timers: Timers = NODE_TIMERS,
  ) {
    this.schedulePing();
  }

  /** Something came from the other side (a pong or any data): the connection is alive. */
  alive(): void {
    if (!this.awaitingAnswer || this.stopped) return;
    this.awaitingAnswer = false;
    this.timers.clearTimeout(this.timer);
    this.schedulePing();
  }

  dispose(): void {
    this.stopped = true;
    this.timers.clearTimeout(this.timer);
  }

  private schedulePing(): void {
    this.timer = this.timers.setTimeout(() => {
      this.awaitingAnswer = true;
      this.timer = this.timers.setTimeout(() => {
        this.stopped = true;
        this.onDead(
          `no answer to a ping for ${formatSeconds(this.options.timeoutMs)}: the connection is dead (the computer slept or the network changed)`,
        );
      }, this.options.timeoutMs);
      this.ping();
    }, this.options.intervalMs);
  }
}

function formatSeconds(ms: number): string {
  return ms >= 1000 ? `${Math.round(ms / 1000)} s` : `${ms} ms`;
}
