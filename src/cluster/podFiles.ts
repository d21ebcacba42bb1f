import * as posixPath from 'node:path/posix';
import type { KubeConfig } from '@kubernetes/client-node';
import { runCommand, type CommandResult, type ExecTarget } from './exec';

/**
 * File operations inside a container over exec, using only sh and coreutils. Every path and
 * value reaches the container as a separate argv entry ("$1", "$2"...) of fixed scripts: no
 * shell string is ever built from a path.
 */
export type PodFileType = 'file' | 'directory' | 'other';

export interface PodFileStat {
  readonly type: PodFileType;
  readonly size: number;
  readonly mtimeMs: number;
  readonly ctimeMs: number;
  /** Nanosecond mtime plus size: what a write compares to detect a change behind its back. */
  readonly version: string;
}

export type PodFileErrorCode =
  | 'notFound'
  | 'exists'
  | 'notADirectory'
  | 'isADirectory'
  | 'notARegularFile'
  | 'tooLarge'
  | 'noPermissions'
  | 'conflict'
  | 'failed';

export class PodFileError extends Error {
  constructor(
    readonly code: PodFileErrorCode,
    readonly path: string,
    message: string,
  ) {
    super(message);
    this.name = 'PodFileError';
  }
}

const CONFLICT_EXIT = 75;
const EXISTS_EXIT = 17;
/** EFBIG: the file is larger than a read may bring into the editor. */
const TOO_LARGE_EXIT = 27;
/** A device, FIFO or socket: reading it may never end (/dev/zero) or block (a FIFO). */
const NOT_REGULAR_EXIT = 19;

/** Reads of a file that come back shorter than its size before the read fails. */
const SHORT_READ_ATTEMPTS = 3;

/** The largest file kubeml:// reads into memory (the editor holds it whole). */
export const MAX_READ_BYTES = 64 * 1024 * 1024;

/** Turns a failed command's exit code and stderr into a typed error (coreutils, busybox and dash wording). */
export function classifyFileError(
  result: Pick<CommandResult, 'exitCode' | 'stderr'>,
  path: string,
): PodFileError {
  const text = result.stderr.toString('utf8').trim();
  const say = (code: PodFileErrorCode, what: string) =>
    new PodFileError(code, path, `${path}: ${what}${text ? ` (${text.split('\n')[0]})` : ''}`);
  if (result.exitCode === CONFLICT_EXIT || /kubeml: conflict/.test(text))
    return say('conflict', 'the file changed in the pod since it was read; not overwritten');
  if (result.exitCode === EXISTS_EXIT || /File exists|kubeml: exists/i.test(text))
    return say('exists', 'already exists');
  if (result.exitCode === TOO_LARGE_EXIT)
    return say('tooLarge', 'too large to open in the editor; copy it with a terminal instead');
  if (result.exitCode === NOT_REGULAR_EXIT)
    return say(
      'notARegularFile',
      'not a regular file (a device, pipe or socket), so it is not read',
    );
  if (/Not a directory/i.test(text)) return say('notADirectory', 'not a directory');
  if (/Is a directory/i.test(text)) return say('isADirectory', 'is a directory');
  if (/Permission denied|Operation not permitted|Read-only file system/i.test(text))
    return say('noPermissions', 'permission denied');
  if (/No such file|nonexistent|can't (open|create)|cannot (stat|access|open)/i.test(text))
    return say('notFound', 'no such file or directory');
  return say('failed', `failed with exit code ${result.exitCode}`);
}

const STAT_FORMAT = '%f|%s|%Y|%Z|%y';

/** Parses one line of `stat -c '%f|%s|%Y|%Z|%y'` (raw mode in hex, size, mtime, ctime, full mtime). */
export function parseStatLine(line: string): PodFileStat {
  const [modeHex, size, mtime, ctime, fullMtime] = line.trim().split('|');
  const mode = Number.parseInt(modeHex, 16);
  const fileType = mode & 0o170000;
  const fraction = /\.(\d+)/.exec(fullMtime ?? '')?.[1] ?? '0';
  const millis = Number.parseInt(fraction.padEnd(3, '0').slice(0, 3), 10);
  return {
    type: fileType === 0o040000 ? 'directory' : fileType === 0o100000 ? 'file' : 'other',
    size: Number.parseInt(size, 10),
    mtimeMs: Number.parseInt(mtime, 10) * 1000 + millis,
    ctimeMs: Number.parseInt(ctime, 10) * 1000,
    version: `${fullMtime}|${size}`,
  };
}

/** Parses `find -printf '%y%f\0'` output: the type letter, then the name. */
export function parseDirectoryListing(output: Buffer): [string, PodFileType][] {
  return output
    .toString('utf8')
    .split('\0')
    .filter((entry) => entry.length > 1)
    .map((entry) => [
      entry.slice(1),
      entry[0] === 'd' ? 'directory' : entry[0] === 'f' ? 'file' : 'other',
    ]);
}

/** Only absolute, normalized paths reach the container; "-"-leading names are made safe by "--". */
export function normalizePodPath(path: string): string {
  const normalized = posixPath.normalize(`/${path}`);
  return normalized.length > 1 && normalized.endsWith('/') ? normalized.slice(0, -1) : normalized;
}

export const SCRIPTS = {
  stat: `exec stat -L -c '${STAT_FORMAT}' -- "$1"`,
  list: `[ -d "$1" ] || { [ -e "$1" ] && echo "$1: Not a directory" >&2 || echo "$1: No such file or directory" >&2; exit 2; }
exec find -L "$1" -mindepth 1 -maxdepth 1 -printf '%y%f\\0'`,
  // The version goes to stderr so stdout carries nothing but the file's bytes.
  // Only regular files, and at most $2 bytes: head stops one byte past, so growth shows too.
  read: `[ -d "$1" ] && { echo "$1: Is a directory" >&2; exit 21; }
[ -e "$1" ] || { echo "$1: No such file or directory" >&2; exit 2; }
[ -f "$1" ] || { echo "kubeml: not a regular file" >&2; exit ${NOT_REGULAR_EXIT}; }
stat -L -c '%y|%s' -- "$1" >&2 || exit 2
[ "$(stat -L -c %s -- "$1")" -le "$2" ] || { echo "kubeml: too large" >&2; exit ${TOO_LARGE_EXIT}; }
exec head -c "$(($2 + 1))" -- "$1"`,
  // Write to a temp file beside the target, then rename over it: readers never see half a file,
  // and a target that changed since `expected` was read is left alone (exit 75). A symlink is
  // written through (the file it names is replaced, the link stays), and the temp file gets a
  // random name created exclusively by mktemp, so nothing planted under a guessable name is followed.
  write: `target=$1 size=$2 expected=$3 create=$4 overwrite=$5
if [ -L "$target" ]; then target=$(readlink -f "$target") && [ -n "$target" ] || { echo "$1: No such file or directory" >&2; exit 2; }; fi
tmp=$(mktemp "$(dirname -- "$target")/.$(basename -- "$target").kubeml-XXXXXXXX") || exit 2
fail() { rm -f -- "$tmp"; echo "kubeml: $2" >&2; exit "$1"; }
head -c "$size" > "$tmp" || fail 2 "write failed"
if [ -e "$target" ]; then
  [ "$overwrite" = 1 ] || fail ${EXISTS_EXIT} exists
  [ -d "$target" ] && fail 21 "Is a directory"
  current=$(stat -L -c '%y|%s' -- "$target")
  [ -z "$expected" ] || [ "$current" = "$expected" ] || fail ${CONFLICT_EXIT} "conflict: now $current"
  chmod "$(stat -L -c %a -- "$target")" "$tmp" 2>/dev/null
else
  [ "$create" = 1 ] || fail 2 "No such file or directory"
  # mktemp made it private (0600); a new file gets what the umask gives, as a plain create would.
  chmod "$(printf '%o' $((0666 & ~$(umask))))" "$tmp"
fi
mv -f -- "$tmp" "$target" || fail 1 "rename failed"
exec stat -L -c '${STAT_FORMAT}' -- "$target"`,
  mkdir: `exec mkdir -- "$1"`,
  delete: `[ -e "$1" ] || [ -L "$1" ] || { echo "$1: No such file or directory" >&2; exit 2; }
if [ "$2" = 1 ]; then exec rm -rf -- "$1"; fi
if [ -d "$1" ] && [ ! -L "$1" ]; then exec rmdir -- "$1"; fi
exec rm -f -- "$1"`,
  rename: `[ -e "$1" ] || [ -L "$1" ] || { echo "$1: No such file or directory" >&2; exit 2; }
if [ -e "$2" ] || [ -L "$2" ]; then
  [ "$3" = 1 ] || { echo "kubeml: exists" >&2; exit ${EXISTS_EXIT}; }
  [ -d "$2" ] && ! [ -L "$2" ] && { rm -rf -- "$2" || exit 1; }
fi
exec mv -f -- "$1" "$2"`,
  pwd: 'pwd',
} as const;

export interface WriteOptions {
  readonly create: boolean;
  readonly overwrite: boolean;
  /** Refuse the write unless the file still has this version (from stat/readFile). */
  readonly expectedVersion?: string;
}

export class PodFiles {
  constructor(
    private readonly kubeConfig: KubeConfig,
    readonly target: ExecTarget,
  ) {}

  private async script(
    name: keyof typeof SCRIPTS,
    args: readonly string[],
    stdin?: Buffer,
    signal?: AbortSignal,
    maxOutputBytes?: number,
  ): Promise<CommandResult> {
    return runCommand(
      this.kubeConfig,
      this.target,
      ['sh', '-c', SCRIPTS[name], `kubeml-${name}`, ...args],
      { stdin, signal, maxOutputBytes },
    );
  }

  private async succeed(
    name: keyof typeof SCRIPTS,
    path: string,
    args: readonly string[],
    stdin?: Buffer,
  ): Promise<CommandResult> {
    const result = await this.script(name, args, stdin);
    if (result.exitCode !== 0) throw classifyFileError(result, path);
    return result;
  }

  /** The container's working folder (its workingDir, or where exec starts). */
  async workingDirectory(): Promise<string> {
    const result = await this.succeed('pwd', '.', []);
    return normalizePodPath(result.stdout.toString('utf8').trim() || '/');
  }

  async stat(path: string): Promise<PodFileStat> {
    const target = normalizePodPath(path);
    const result = await this.succeed('stat', target, [target]);
    return parseStatLine(result.stdout.toString('utf8'));
  }

  async readDirectory(path: string): Promise<[string, PodFileType][]> {
    const target = normalizePodPath(path);
    return parseDirectoryListing((await this.succeed('list', target, [target])).stdout);
  }

  /** A regular file of at most `maxBytes`; anything else is a PodFileError, never an endless read. */
  async readFile(
    path: string,
    signal?: AbortSignal,
    maxBytes = MAX_READ_BYTES,
  ): Promise<{ content: Buffer; version: string }> {
    const target = normalizePodPath(path);
    for (let attempt = 1; ; attempt++) {
      const result = await this.script(
        'read',
        [target, String(maxBytes)],
        undefined,
        signal,
        maxBytes + 1,
      );
      if (result.exitCode !== 0) throw classifyFileError(result, target);
      if (result.stdout.length > maxBytes)
        throw classifyFileError(
          { exitCode: TOO_LARGE_EXIT, stderr: Buffer.from('kubeml: grew while read') },
          target,
        );
      const version = result.stderr.toString('utf8').trim().split('\n')[0];
      const size = Number(version.slice(version.lastIndexOf('|') + 1));
      // An exec stream can end before all of its output arrived (kubernetes/kubernetes#124571, kubectl
      // too). A read shorter than the size stat gave just before is read again, never handed to the
      // editor, which would save the cut file back over the whole one.
      if (result.stdout.length >= size) return { content: result.stdout, version };
      if (attempt >= SHORT_READ_ATTEMPTS) {
        throw new PodFileError(
          'failed',
          target,
          `${target}: only ${result.stdout.length} of ${size} bytes arrived, ${attempt} times; the connection to the pod cut the output short. Try again.`,
        );
      }
    }
  }

  /** Atomic write (temp file + rename); returns the new stat. */
  async writeFile(path: string, content: Uint8Array, options: WriteOptions): Promise<PodFileStat> {
    const target = normalizePodPath(path);
    const bytes = Buffer.from(content.buffer, content.byteOffset, content.byteLength);
    const result = await this.succeed(
      'write',
      target,
      [
        target,
        String(bytes.length),
        options.expectedVersion ?? '',
        options.create ? '1' : '0',
        options.overwrite ? '1' : '0',
      ],
      bytes,
    );
    return parseStatLine(result.stdout.toString('utf8'));
  }

  async createDirectory(path: string): Promise<void> {
    const target = normalizePodPath(path);
    await this.succeed('mkdir', target, [target]);
  }

  async delete(path: string, options: { recursive: boolean }): Promise<void> {
    const target = normalizePodPath(path);
    await this.succeed('delete', target, [target, options.recursive ? '1' : '0']);
  }

  async rename(from: string, to: string, options: { overwrite: boolean }): Promise<void> {
    const source = normalizePodPath(from);
    await this.succeed('rename', source, [
      source,
      normalizePodPath(to),
      options.overwrite ? '1' : '0',
    ]);
  }
}
