import { pack } from 'tar-stream';
import { KubeMlError } from './errors';

/**
 * Tar archives of regular files, for `tar -x` in a pod (a model upload, a job's code folder).
 * Written with tar-stream, the streaming tar library client-node's copy support already ships:
 * it picks ustar, a ustar prefix or a pax record for a path, and base-256 for sizes past 8 GiB.
 * Entries carry mtime 0 and owner 0:0, so an archive depends on its files only; the receiving
 * tar creates the parent folders.
 */
export interface TarFile {
  /** "/"-separated, relative to the archive's root. */
  readonly path: string;
  readonly size: number;
  /** Permission bits (default 0o644). */
  readonly mode?: number;
}

const BLOCK = 512;
const MTIME = new Date(0);

/** A file that grew or shrank while it was read: its entry would be corrupt. */
function sizeChanged(file: TarFile, bytes: number): KubeMlError {
  return new KubeMlError(
    'invalidInput',
    `${file.path} changed size while it was read (${file.size} -> ${bytes} bytes).`,
    'Wait until nothing writes to it any more (a training run saving a model, for example), then try again.',
  );
}

/** Resolves true once the entry takes more data, false if the archive was abandoned. */
function accepting(entry: ReturnType<ReturnType<typeof pack>['entry']>): Promise<boolean> {
  if (entry.destroyed) return Promise.resolve(false);
  return new Promise((resolve) => {
    const drained = () => {
      entry.off('close', closed);
      resolve(true);
    };
    const closed = () => {
      entry.off('drain', drained);
      resolve(false);
    };
    entry.once('drain', drained);
    entry.once('close', closed);
  });
}

/**
 * The archive of `files` as a stream of chunks; `content(file)` yields the file's bytes. A file
 * whose content is not exactly `size` bytes fails the archive (the error comes out of the
 * stream) rather than writing a corrupt entry. A consumer that stops reading ends the reads.
 */
export function tarStream(
  files: readonly TarFile[],
  content: (file: TarFile, index: number) => AsyncIterable<Uint8Array>,
): AsyncIterable<Buffer> {
  const archive = pack();
  const fill = async (): Promise<void> => {
    for (const [index, file] of files.entries()) {
      const entry = archive.entry({
        name: file.path,
        size: file.size,
        mode: file.mode ?? 0o644,
        mtime: MTIME,
        type: 'file',
      });
      // A failure is reported once, by the archive: the entry's own copy of it has no reader.
      entry.on('error', () => undefined);
      let bytes = 0;
      for await (const chunk of content(file, index)) {
        bytes += chunk.byteLength;
        if (bytes > file.size) throw sizeChanged(file, bytes);
        if (!entry.write(chunk) && !(await accepting(entry))) return;
      }
      if (bytes !== file.size) throw sizeChanged(file, bytes);
      entry.end(undefined); // streamx's types ask for an argument; none ends the entry
    }
    archive.finalize();
  };
  fill().catch((error: unknown) => archive.destroy(error as Error));
  // Its types leave the chunks unknown; on Node they are Buffers.
  return archive as AsyncIterable<Buffer>;
}

/** The archive of in-memory files, whole. */
export async function tarBuffer(
  files: readonly (Omit<TarFile, 'size'> & { readonly data: Uint8Array })[],
): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  const entries = files.map(({ path, mode, data }) => ({ path, mode, size: data.byteLength }));
  for await (const chunk of tarStream(entries, async function* (_file, index) {
    yield files[index].data;
  })) {
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/**
 * Bytes tarStream makes of these files, known before any is read (a receiver reads exactly this
 * many). A header does not depend on the size it records, so the headers of empty files stand in.
 */
export async function tarSize(files: readonly Pick<TarFile, 'path' | 'size'>[]): Promise<number> {
  let bytes = 0;
  for await (const chunk of tarStream(
    files.map((file) => ({ path: file.path, size: 0 })),
    async function* () {},
  ))
    bytes += chunk.byteLength;
  return files.reduce((sum, file) => sum + Math.ceil(file.size / BLOCK) * BLOCK, bytes);
}
