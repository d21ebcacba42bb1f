/**
 * Latency figures of one streamed completion. Times are milliseconds from any monotonic clock
 * (performance.now()), taken when the request was sent and when each content chunk arrived.
 */
export interface LatencyFigures {
  /** Time to first token: request sent -> first non-empty content chunk. */
  readonly ttftMs: number | undefined;
  readonly totalMs: number;
  readonly completionTokens: number;
  /** Whether completionTokens came from the server's usage report (else: content chunks counted). */
  readonly tokensFromServer: boolean;
  /** Decode speed: tokens after the first, over the time after the first (the usual definition). */
  readonly tokensPerSecond: number | undefined;
}

export class LatencyMeter {
  private firstTokenAt: number | undefined;
  private lastTokenAt: number | undefined;
  private chunks = 0;
  private serverTokens: number | undefined;

  constructor(private readonly startedAt: number) {}

  /** A content chunk arrived at `at`; empty chunks (role-only deltas) do not count. */
  chunk(text: string, at: number): void {
    if (text.length === 0) return;
    this.chunks += 1;
    this.firstTokenAt ??= at;
    this.lastTokenAt = at;
  }

  usage(completionTokens: number): void {
    this.serverTokens = completionTokens;
  }

  finish(at: number): LatencyFigures {
    return computeLatency({
      startedAt: this.startedAt,
      firstTokenAt: this.firstTokenAt,
      lastTokenAt: this.lastTokenAt,
      finishedAt: at,
      contentChunks: this.chunks,
      serverTokens: this.serverTokens,
    });
  }
}

export function computeLatency(input: {
  startedAt: number;
  firstTokenAt?: number;
  lastTokenAt?: number;
  finishedAt: number;
  contentChunks: number;
  serverTokens?: number;
}): LatencyFigures {
  const tokens = input.serverTokens ?? input.contentChunks;
  const ttftMs =
    input.firstTokenAt === undefined ? undefined : input.firstTokenAt - input.startedAt;
  const end = input.lastTokenAt ?? input.finishedAt;
  const decodeMs = input.firstTokenAt === undefined ? 0 : end - input.firstTokenAt;
  // One token means no decode interval to measure; report nothing rather than infinity.
  const tokensPerSecond = tokens > 1 && decodeMs > 0 ? ((tokens - 1) * 1000) / decodeMs : undefined;
  return {
    ttftMs,
    totalMs: input.finishedAt - input.startedAt,
    completionTokens: tokens,
    tokensFromServer: input.serverTokens !== undefined,
    tokensPerSecond,
  };
}

export function formatLatency(figures: LatencyFigures): string {
  const ttft = figures.ttftMs === undefined ? 'no tokens' : `TTFT ${Math.round(figures.ttftMs)} ms`;
  const speed =
    figures.tokensPerSecond === undefined
      ? ''
      : ` · ${figures.tokensPerSecond.toFixed(1)} tokens/s`;
  return `${ttft}${speed} · ${figures.completionTokens} tokens${figures.tokensFromServer ? '' : ' (chunks)'} · ${(figures.totalMs / 1000).toFixed(2)} s`;
}
