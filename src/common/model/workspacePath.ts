import { realpath } from 'node:fs/promises';
import * as path from 'node:path';
import { KubeMlError } from '../../cluster/errors';

/**
 * The real path of `requested` (relative to `folder`, or absolute), refused unless it lies
 * inside `folder`. A committed job or endpoint file is written by whoever wrote the repository:
 * "../../.ssh" or "/home/me/.aws" must not travel to the cluster because a file said so.
 * Symbolic links are resolved first, so a link inside the folder cannot point out of it.
 */
export async function pathInsideFolder(
  folder: string,
  requested: string,
  field: string,
): Promise<string> {
  let root: string;
  let target: string;
  try {
    root = await realpath(folder);
    target = await realpath(path.resolve(folder, requested));
  } catch {
    throw new KubeMlError(
      'notFound',
      `${field} "${requested}" does not exist in ${folder}.`,
      'Fix the path in the file; it is relative to the workspace folder.',
    );
  }
  const relative = path.relative(root, target);
  const escapes =
    relative === '..' || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative);
  if (!escapes) return target;
  throw new KubeMlError(
    'invalidInput',
    `${field} "${requested}" is outside the workspace folder ${folder}, so it is not sent to the cluster.`,
    'Files named by a workspace file must be inside the workspace. To use another folder, choose it yourself in the guided command.',
  );
}
