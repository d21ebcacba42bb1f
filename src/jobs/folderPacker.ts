import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { KubeMlError } from '../cluster/errors';
import { packRules } from '../common/model/packRules';
import type { LeftOutFile } from '../common/model/fileListing';
import type { PackSummary } from './model/packSummary';
import { packFolder, packLimitBytes, type PackEntry, type PackedFolder } from './model/tarPack';

export interface FolderEntries {
  readonly entries: PackEntry[];
  /** Secret-looking files, symbolic links and special files (caches and .kubemlignore matches are not listed). */
  readonly leftOut: LeftOutFile[];
}

/**
 * Reads every file of `root` that the pack rules keep (caches, secret-looking files and
 * .kubemlignore matches stay home). Symbolic links are never followed: one could point
 * anywhere on this machine.
 */
export async function readFolderEntries(
  root: string,
  limitBytes: number,
  signal?: AbortSignal,
): Promise<FolderEntries> {
  const rules = packRules(
    await fs.readFile(path.join(root, '.kubemlignore'), 'utf8').catch(() => ''),
  );
  const entries: PackEntry[] = [];
  const leftOut: LeftOutFile[] = [];
  let total = 0;
  const walk = async (folder: string): Promise<void> => {
    for (const dirent of await fs.readdir(folder, { withFileTypes: true })) {
      signal?.throwIfAborted();
      const absolute = path.join(folder, dirent.name);
      const relative = path.relative(root, absolute).split(path.sep).join('/');
      const reason = rules.leftOut(relative, dirent.isDirectory());
      if (reason === 'secret') leftOut.push({ path: relative, reason });
      if (reason) continue;
      if (dirent.isSymbolicLink()) {
        leftOut.push({ path: relative, reason: 'link' });
      } else if (dirent.isDirectory()) {
        await walk(absolute);
      } else if (!dirent.isFile()) {
        leftOut.push({ path: relative, reason: 'special' });
      } else {
        const stat = await fs.stat(absolute);
        total += stat.size;
        // Uncompressed data can be 20x the limit before compression could possibly bring it under.
        if (total > limitBytes * 20) {
          throw new KubeMlError(
            'invalidInput',
            `The folder ${root} holds more than ${Math.round((limitBytes * 20) / 1024 / 1024)} MiB of files: far too much to pack into the job.`,
            'Use the dev pod workspace volume as the code source, or list data and checkpoints in .kubemlignore.',
          );
        }
        entries.push({
          path: relative,
          data: await fs.readFile(absolute),
          executable: (stat.mode & 0o111) !== 0,
        });
      }
    }
  };
  await walk(root);
  return { entries, leftOut };
}

/** Packs a local folder for a job, honouring kubeMl.jobs.maxPackedFolderMiB. */
export async function packLocalFolder(
  root: string,
  maxMiB: number,
  signal?: AbortSignal,
): Promise<PackedFolder & { summary: PackSummary }> {
  const limit = packLimitBytes(maxMiB);
  const { entries, leftOut } = await readFolderEntries(root, limit, signal);
  if (entries.length === 0) {
    throw new KubeMlError(
      'invalidInput',
      `The folder ${root} has no files to pack.`,
      'Choose the folder that holds your training script.',
    );
  }
  const packed = await packFolder(entries, limit);
  const files = entries.map((entry) => ({ path: entry.path, bytes: entry.data.byteLength }));
  return {
    ...packed,
    summary: {
      folder: root,
      files,
      uncompressedBytes: packed.uncompressedBytes,
      compressedBytes: packed.compressedBytes,
      leftOut,
    },
  };
}
