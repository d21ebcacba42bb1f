import * as fs from 'node:fs';
import { pipeline } from 'node:stream/promises';

/** Disk a log viewer may use for Save: the newest half is always whole. */
export const DEFAULT_SPOOL_BYTES = 256 * 1024 * 1024;

interface SpoolFile {
  readonly path: string;
  readonly stream: fs.WriteStream;
  readonly finished: Promise<void>;
  bytes: number;
  lines: number;
}

/**
 * Everything a log viewer streamed, on disk, for Save. Bounded: two files of up to half the
 * budget each; when the current one is full the older one is deleted, so a pod that logs for
 * weeks keeps using at most `maxBytes` and Save writes the newest lines.
 */
export class LogSpool {
  private current: SpoolFile;
  private previous: SpoolFile | undefined;
  private droppedLines = 0;
  private rotations = 0;

  constructor(
    private readonly basePath: string,
    private readonly onError: (error: Error) => void,
    private readonly maxBytes = DEFAULT_SPOOL_BYTES,
  ) {
    this.current = this.open(`${basePath}.0`);
  }

  /** Appends `text`, which holds `lines` complete lines. */
  write(text: string, lines: number): void {
    this.current.stream.write(text);
    this.current.bytes += Buffer.byteLength(text);
    this.current.lines += lines;
    if (this.current.bytes >= this.maxBytes / 2) this.rotate();
  }

  /** Writes the kept lines to `target`, oldest first; returns how many, and how many are gone. */
  async saveTo(target: string): Promise<{ lines: number; droppedLines: number }> {
    const current = this.current;
    await new Promise<void>((resolve, reject) =>
      current.stream.write('', (error) => (error ? reject(error) : resolve())),
    );
    const previous = this.previous;
    const note =
      this.droppedLines > 0
        ? `# ${this.droppedLines} earlier lines are not kept: the viewer keeps the last ${Math.round(this.maxBytes / 1024 / 1024)} MiB of a log.\n`
        : '';
    await fs.promises.writeFile(target, note);
    if (previous) {
      await previous.finished;
      await pipeline(
        fs.createReadStream(previous.path),
        fs.createWriteStream(target, { flags: 'a' }),
      );
    }
    await pipeline(fs.createReadStream(current.path), fs.createWriteStream(target, { flags: 'a' }));
    return { lines: (previous?.lines ?? 0) + current.lines, droppedLines: this.droppedLines };
  }

  /** Closes and deletes the files. */
  dispose(): void {
    for (const file of [this.current, this.previous]) {
      if (!file) continue;
      file.stream.end();
      void file.finished
        .then(() => fs.promises.rm(file.path, { force: true }))
        .catch(() => undefined);
    }
  }

  private rotate(): void {
    this.current.stream.end();
    const dropped = this.previous;
    if (dropped) {
      this.droppedLines += dropped.lines;
      // A fresh name each time: the dropped file may still be flushing its last writes.
      void dropped.finished
        .then(() => fs.promises.rm(dropped.path, { force: true }))
        .catch(this.onError);
    }
    this.previous = this.current;
    this.current = this.open(`${this.basePath}.${++this.rotations}`);
  }

  private open(path: string): SpoolFile {
    const stream = fs.createWriteStream(path, { flags: 'w' });
    stream.on('error', this.onError);
    const finished = new Promise<void>((resolve) => stream.once('close', () => resolve()));
    return { path, stream, finished, bytes: 0, lines: 0 };
  }
}
