import { gzipSync } from 'node:zlib';
import { KubeMlError } from '../../cluster/errors';

/** One regular file to pack, with its path relative to the folder root ("/"-separated). */
export interface PackEntry {
  readonly path: string;
  readonly data: Uint8Array;
  readonly executable?: boolean;
}

const BLOCK = 512;
/**
 * A Secret holds at most 1 MiB of data (the API server rejects more); each part stays well
 * below it so metadata and labels fit too.
 */
export const CODE_PART_BYTES = 1024 * 1024 - 64 * 1024;
/** Above this even splitting is unreasonable (dozens of objects per run in etcd). */
export const PACKED_FOLDER_HARD_CAP_MIB = 32;

function writeString(header: Uint8Array, offset: number, length: number, value: string): void {
  const bytes = Buffer.from(value, 'utf8');
  header.set(bytes.subarray(0, length), offset);
}

function writeOctal(header: Uint8Array, offset: number, length: number, value: number): void {
  writeString(header, offset, length - 1, value.toString(8).padStart(length - 1, '0'));
}

/** ustar splits long paths into a 155-byte prefix and a 100-byte name at a "/". */
function splitPath(path: string): { name: string; prefix: string } {
  if (Buffer.byteLength(path) <= 100) {
    return { name: path, prefix: '' };
  }
  for (let cut = path.indexOf('/'); cut > 0; cut = path.indexOf('/', cut + 1)) {
    const prefix = path.slice(0, cut);
    const name = path.slice(cut + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100) {
      return { name, prefix };
    }
  }
  throw new KubeMlError('invalidInput', `Cannot pack "${path}": the path is too long for a tar archive (at most 100 bytes per file name and 255 in all).`, 'Shorten the path or put the code on a volume.');
}

function tarHeader(entry: PackEntry): Uint8Array {
  const header = new Uint8Array(BLOCK);
  const { name, prefix } = splitPath(entry.path);
  writeString(header, 0, 100, name);
  writeOctal(header, 100, 8, entry.executable ? 0o755 : 0o644);
  writeOctal(header, 108, 8, 0);
  writeOctal(header, 116, 8, 0);
  writeOctal(header, 124, 12, entry.data.byteLength);
  writeOctal(header, 136, 12, 0);
  header.fill(0x20, 148, 156);
  header[156] = '0'.charCodeAt(0);
  writeString(header, 257, 6, 'ustar');
  writeString(header, 263, 2, '00');
  writeString(header, 345, 155, prefix);
  const checksum = header.reduce((sum, byte) => sum + byte, 0);
  writeString(header, 148, 8, `${checksum.toString(8).padStart(6, '0')}\0 `);
  return header;
}

/** A POSIX ustar archive of the entries (regular files only; tar creates parent folders). */
export function tarArchive(entries: readonly PackEntry[]): Buffer {
  const chunks: Uint8Array[] = [];
  for (const entry of entries) {
    chunks.push(tarHeader(entry), entry.data);
    const padding = (BLOCK - (entry.data.byteLength % BLOCK)) % BLOCK;
    if (padding > 0) chunks.push(new Uint8Array(padding));
  }
  chunks.push(new Uint8Array(BLOCK * 2));
  return Buffer.concat(chunks);
}

/** The effective limit: the user's setting, but never above what Secrets can reasonably carry. */
export function packLimitBytes(settingMiB: number): number {
  const mib = Math.min(Math.max(settingMiB, 0), PACKED_FOLDER_HARD_CAP_MIB);
  return Math.floor(mib * 1024 * 1024);
}

function formatMiB(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(2)} MiB`;
}

export interface PackedFolder {
  /** gzip stream split into Secret-sized parts, in order. */
  readonly parts: Uint8Array[];
  readonly compressedBytes: number;
  readonly uncompressedBytes: number;
  readonly files: number;
}

/**
 * tar.gz of the entries, split into parts of at most `partBytes`; a clear error (with the
 * biggest files, the usual culprits) when the compressed archive exceeds `limitBytes`.
 */
export function packFolder(entries: readonly PackEntry[], limitBytes: number, partBytes = CODE_PART_BYTES): PackedFolder {
  const uncompressedBytes = entries.reduce((sum, entry) => sum + entry.data.byteLength, 0);
  const compressed = gzipSync(tarArchive(entries), { level: 6 });
  if (compressed.byteLength > limitBytes) {
    const biggest = [...entries]
      .sort((a, b) => b.data.byteLength - a.data.byteLength)
      .slice(0, 3)
      .map((entry) => `${entry.path} (${formatMiB(entry.data.byteLength)})`)
      .join(', ');
    throw new KubeMlError(
      'invalidInput',
      `The folder is too large to pack into the job: ${formatMiB(compressed.byteLength)} compressed (${entries.length} files, ${formatMiB(uncompressedBytes)}), above the ${formatMiB(limitBytes)} limit. Largest files: ${biggest}.`,
      'Put code and data on a volume instead: choose "Dev pod workspace volume" as the code source (no copy), add large files to .kubemlignore, or raise "kubeMl.jobs.maxPackedFolderMiB" (at most 32).',
    );
  }
  const parts: Uint8Array[] = [];
  for (let offset = 0; offset < compressed.byteLength; offset += partBytes) {
    parts.push(compressed.subarray(offset, Math.min(offset + partBytes, compressed.byteLength)));
  }
  return { parts, compressedBytes: compressed.byteLength, uncompressedBytes, files: entries.length };
}
