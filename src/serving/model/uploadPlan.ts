/**
 * Pure planning of a resumable model upload: which files still need sending, in which chunks, and
 * the shell scripts the uploader pod runs. Every user-supplied value reaches the scripts as a
 * positional argument ("$1"), never spliced into the script text.
 */
export interface LocalFile {
  /** Path relative to the uploaded folder, with "/" separators. */
  readonly path: string;
  readonly size: number;
  readonly sha256: string;
}

/** Default bytes per exec call: small enough that a failure loses little, big enough to amortise setup. */
export const DEFAULT_CHUNK_BYTES = 64 * 1024 * 1024;

/** Staging folder (inside the volume) that receives files until they are all verified. */
export function stagingPath(targetPath: string): string {
  const parts = targetPath.split('/');
  const base = parts.pop() ?? targetPath;
  return [...parts, `.${base}.kubeml-upload`].join('/');
}

/** Parses `sha256sum` output ("<hex>  <path>" lines; paths relative to the staging folder). */
export function parseChecksums(output: string): Map<string, string> {
  const sums = new Map<string, string>();
  for (const line of output.split('\n')) {
    const match = /^\\?([0-9a-f]{64}) [ *](.+)$/.exec(line.trimEnd());
    if (!match) continue;
    let path = match[2];
    // sha256sum escapes "\" and newlines in names and prefixes the line with "\".
    if (line.startsWith('\\')) path = path.replace(/\\n/g, '\n').replace(/\\\\/g, '\\');
    sums.set(path.replace(/^\.\//, ''), match[1]);
  }
  return sums;
}

/** Files whose remote checksum is missing or different: what a (resumed) upload must send. */
export function filesToSend(
  local: readonly LocalFile[],
  remote: ReadonlyMap<string, string>,
): LocalFile[] {
  return local.filter((file) => remote.get(file.path) !== file.sha256);
}

/** Groups files into chunks of about `chunkBytes` (a larger file makes a chunk of its own). */
export function chunkFiles(
  files: readonly LocalFile[],
  chunkBytes = DEFAULT_CHUNK_BYTES,
): LocalFile[][] {
  const chunks: LocalFile[][] = [];
  let current: LocalFile[] = [];
  let size = 0;
  for (const file of files) {
    if (current.length > 0 && size + file.size > chunkBytes) {
      chunks.push(current);
      current = [];
      size = 0;
    }
    current.push(file);
    size += file.size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/** Validates a relative path coming from the local file system before it names a remote file. */
export function safeRelativePath(path: string): boolean {
  return (
    path.length > 0 &&
    !path.startsWith('/') &&
    !path.split('/').some((part) => part === '..' || part === '') &&
    !path.includes('\0')
  );
}

/**
 * Lists checksums of what the staging folder already holds. $1 = staging folder.
 * Runs in the uploader's working directory, which is the volume root.
 */
export const LIST_CHECKSUMS_SCRIPT =
  'mkdir -p -- "$1" && cd -- "$1" && find . -type f -exec sha256sum -- {} + ; exit 0';

/**
 * Receives exactly $2 bytes of tar on stdin into staging folder $1, then prints the checksums of
 * the files named in $3.. so the sender can verify them. `head -c` bounds the read, so the
 * script finishes without depending on stdin being closed.
 */
export const RECEIVE_CHUNK_SCRIPT =
  'set -e; mkdir -p -- "$1"; cd -- "$1"; head -c "$2" | tar -x -o -f -; shift 2; sha256sum -- "$@"';

/**
 * Publishes a verified staging folder $1 as $2: the old copy is moved aside first, so a server
 * never sees a half-written model, only the old one or the new one.
 */
export const PUBLISH_SCRIPT =
  'set -e; [ -d "$1" ] || { echo "nothing staged at $1" >&2; exit 3; }; rm -rf -- "$2.kubeml-old"; if [ -e "$2" ]; then mv -- "$2" "$2.kubeml-old"; fi; mkdir -p -- "$(dirname -- "$2")"; mv -- "$1" "$2"; rm -rf -- "$2.kubeml-old"';

/** Copies $1 to staging $2 then publishes it as $3 (dev pod volume -> model volume). */
export const COPY_SCRIPT =
  'set -e; rm -rf -- "$2"; mkdir -p -- "$(dirname -- "$2")"; cp -R -- "$1" "$2"; rm -rf -- "$3.kubeml-old"; if [ -e "$3" ]; then mv -- "$3" "$3.kubeml-old"; fi; mv -- "$2" "$3"; rm -rf -- "$3.kubeml-old"';

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}
