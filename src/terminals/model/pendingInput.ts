/** Enough for anything typed or pasted while a shell connects, small enough not to matter. */
export const PENDING_INPUT_LIMIT_BYTES = 64 * 1024;

/**
 * Keys typed while a terminal's shell is still connecting, sent in order once it is up (a local
 * terminal never loses them either). Bounded: once a chunk does not fit, it and everything after
 * it are dropped, so the shell never receives keystrokes with a hole in the middle.
 */
export class PendingInput {
  private chunks: string[] = [];
  private keptBytes = 0;
  private droppedBytes = 0;

  constructor(private readonly limitBytes = PENDING_INPUT_LIMIT_BYTES) {}

  add(data: string): void {
    const size = Buffer.byteLength(data, 'utf8');
    if (this.droppedBytes > 0 || this.keptBytes + size > this.limitBytes) {
      this.droppedBytes += size;
      return;
    }
    this.chunks.push(data);
    this.keptBytes += size;
  }

  /** Everything kept, in typing order, and how many bytes did not fit; empties the buffer. */
  take(): { readonly text: string; readonly droppedBytes: number } {
    const taken = { text: this.chunks.join(''), droppedBytes: this.droppedBytes };
    this.discard();
    return taken;
  }

  /** Forgets what was typed (the connection failed: the keys were meant for a shell that never came). */
  discard(): void {
    this.chunks = [];
    this.keptBytes = 0;
    this.droppedBytes = 0;
  }
}
