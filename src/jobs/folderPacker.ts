import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { KubeMlError } from '../cluster/errors';
import { isIgnoredPath, packFolder, packLimitBytes, type PackEntry, type PackedFolder } from './model/tarPack';

/** Reads every file of `root` that is not ignored (see isIgnoredPath and .kubemlignore). */
export async function readFolderEntries(root: string, limitBytes: number, signal?: AbortSignal): Promise<PackEntry[]> {
  const ignoreFile = await fs.readFile(path.join(root, '.kubemlignore'), 'utf8').catch(() => '');
  const patterns = ignoreFile.split('\n');
  const entries: PackEntry[] = [];
  let total = 0;
  const walk = async (folder: string): Promise<void> => {
    for (const dirent of await fs.readdir(folder, { withFileTypes: true })) {
      signal?.throwIfAborted();
      const absolute = path.join(folder, dirent.name);
      const relative = path.relative(root, absolute).split(path.sep).join('/');
      if (isIgnoredPath(relative, patterns)) continue;
      if (dirent.isDirectory()) {
        await walk(absolute);
      } else if (dirent.isFile()) {
        const stat = await fs.stat(absolute);
        total += stat.size;
        // Uncompressed data can be 20x the limit before compression could possibly bring it under.
        if (total > limitBytes * 20) {
          throw new KubeMlError('invalidInput', `The folder ${root} holds more than ${Math.round((limitBytes * 20) / 1024 / 1024)} MiB of files: far too much to pack into the job.`, 'Use the dev pod workspace volume as the code source, or list data and checkpoints in .kubemlignore.');
        }
        entries.push({ path: relative, data: await fs.readFile(absolute), executable: (stat.mode & 0o111) !== 0 });
      }
    }
  };
  await walk(root);
  return entries;
}

/** Packs a local folder for a job, honouring kubeMl.jobs.maxPackedFolderMiB. */
export async function packLocalFolder(root: string, maxMiB: number, signal?: AbortSignal): Promise<PackedFolder> {
  const limit = packLimitBytes(maxMiB);
  const entries = await readFolderEntries(root, limit, signal);
  if (entries.length === 0) {
    throw new KubeMlError('invalidInput', `The folder ${root} has no files to pack.`, 'Choose the folder that holds your training script.');
  }
  return packFolder(entries, limit);
}
