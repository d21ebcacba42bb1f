/**
 * Exactly-once delivery of a followed log across reconnects. We remember the timestamp of the
 * last line delivered and every line delivered within that whole second (sinceTime has
 * one-second precision, so the server may resend the whole second). After a reconnect with
 * sinceTime = that second, lines already delivered are dropped until a newer line appears.
 */
import { compareTimestamps, floorToSecond, type TimestampedLine } from './logLine';

/**
 * How a resumed stream joined what was delivered before it. Seamless only when the stream sent
 * the last delivered line again before anything newer: then nothing between was skipped.
 */
export type ResumeJoin =
  | { readonly kind: 'pending' }
  | { readonly kind: 'seamless' }
  | { readonly kind: 'gap'; readonly lastDelivered: string; readonly resumedAt: string };

export class ResumeDeduplicator {
  private lastTimestamp: string | undefined;
  /** The text of the last line delivered at lastTimestamp, the line a seamless resume repeats. */
  private lastText = '';
  private resumeJoin: ResumeJoin = { kind: 'seamless' };
  private currentSecond: string | undefined;
  /** Lines delivered in the current second, as "timestamp\0text" -> how many times. */
  private deliveredThisSecond = new Map<string, number>();
  /** While true, incoming lines are checked against what was delivered before the reconnect. */
  private replaying = false;
  private replayBudget = new Map<string, number>();

  /** The sinceTime to ask for when reconnecting, or undefined before the first line. */
  sinceTime(): string | undefined {
    return this.lastTimestamp === undefined ? undefined : floorToSecond(this.lastTimestamp);
  }

  get lastDeliveredTimestamp(): string | undefined {
    return this.lastTimestamp;
  }

  /** How the stream read since the last beginResume joined the lines delivered before it. */
  get join(): ResumeJoin {
    return this.resumeJoin;
  }

  /** Call before reading a resumed stream: lines up to the last delivered one are replays. */
  beginResume(): void {
    if (this.lastTimestamp === undefined) {
      // Nothing delivered yet, so the stream starts where the log starts: nothing to skip.
      this.resumeJoin = { kind: 'seamless' };
      return;
    }
    this.replaying = true;
    this.replayBudget = new Map(this.deliveredThisSecond);
    this.resumeJoin = { kind: 'pending' };
  }

  /** True when the line is new and must be delivered; false for a replayed duplicate. */
  accept(line: TimestampedLine): boolean {
    if (this.replaying && line.timestamp !== '' && this.lastTimestamp !== undefined) {
      const order = compareTimestamps(line.timestamp, this.lastTimestamp);
      if (order > 0) {
        this.replaying = false;
        if (this.resumeJoin.kind === 'pending')
          this.resumeJoin = {
            kind: 'gap',
            lastDelivered: this.lastTimestamp,
            resumedAt: line.timestamp,
          };
      } else {
        if (order === 0 && line.text === this.lastText && this.resumeJoin.kind === 'pending')
          this.resumeJoin = { kind: 'seamless' };
        const key = `${line.timestamp}\0${line.text}`;
        const remaining = this.replayBudget.get(key) ?? 0;
        if (remaining > 0) {
          this.replayBudget.set(key, remaining - 1);
          return false;
        }
        // Older than the second we asked for, so delivered long ago.
        if (floorToSecond(line.timestamp) !== this.currentSecond && order < 0) return false;
      }
    }
    this.record(line);
    return true;
  }

  private record(line: TimestampedLine): void {
    if (line.timestamp === '') return;
    const second = floorToSecond(line.timestamp);
    if (second !== this.currentSecond) {
      this.currentSecond = second;
      this.deliveredThisSecond = new Map();
    }
    const key = `${line.timestamp}\0${line.text}`;
    this.deliveredThisSecond.set(key, (this.deliveredThisSecond.get(key) ?? 0) + 1);
    if (
      this.lastTimestamp === undefined ||
      compareTimestamps(line.timestamp, this.lastTimestamp) >= 0
    ) {
      this.lastTimestamp = line.timestamp;
      this.lastText = line.text;
    }
  }
}
