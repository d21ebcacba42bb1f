import type { Log } from '../src/cluster/log';

/** A Log that keeps every message, whatever its level, in `lines`. */
export function recordingLog(lines: unknown[]): Log {
  const write = (message: string): void => {
    lines.push(message);
  };
  return { debug: write, info: write, warn: write, error: write };
}
