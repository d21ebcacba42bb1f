import { gzipSync } from 'node:zlib';
import { KubeMlError } from '../../cluster/errors';
import { tarBuffer } from '../../cluster/tarArchive';

/** One regular file to pack, with its path relative to the folder root ("/"-separated). */
export interface PackEntry {
  readonly path: string;
  readonly data: Uint8Array;
  readonly executable?: boolean;
}

/**
 * A Secret holds at most 1 MiB of data (the API server rejects more); each part stays well
 * below it so metadata and labels fit too.
 */
export const CODE_PART_BYTES = 1024 * 1024 - 64 * 1024;
/** Above this even splitting is unreasonable (dozens of objects per run in etcd). */
export const PACKED_FOLDER_HARD_CAP_MIB = 32;

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
export async function packFolder(
  entries: readonly PackEntry[],
  limitBytes: number,
  partBytes = CODE_PART_BYTES,
): Promise<PackedFolder> {
  const uncompressedBytes = entries.reduce((sum, entry) => sum + entry.data.byteLength, 0);
  const archive = await tarBuffer(
    entries.map((entry) => ({
      path: entry.path,
      data: entry.data,
      mode: entry.executable ? 0o755 : 0o644,
    })),
  );
  const compressed = gzipSync(archive, { level: 6 });
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
  return {
    parts,
    compressedBytes: compressed.byteLength,
    uncompressedBytes,
    files: entries.length,
  };
}
