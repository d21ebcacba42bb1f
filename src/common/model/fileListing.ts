/** A file that was not taken, and why: the user is told before anything leaves this machine. */
export interface LeftOutFile {
  readonly path: string;
  readonly reason: 'secret' | 'ignored' | 'link' | 'special';
}

export interface ListedFile {
  readonly path: string;
  readonly bytes: number;
}

const LISTED_FILES = 25;

const LEFT_OUT_REASONS: Readonly<Record<LeftOutFile['reason'], string>> = {
  secret: 'looks like a secret',
  ignored: 'cache or ignored',
  link: 'symbolic link',
  special: 'not a regular file',
};

export function formatSize(bytes: number): string {
  return bytes >= 1024 * 1024
    ? `${(bytes / 1024 / 1024).toFixed(1)} MiB`
    : `${Math.ceil(bytes / 1024)} KiB`;
}

/** The text of a "send these files?" modal: a headline, the largest files, and what stays home and why. */
export function fileListText(
  headline: string,
  files: readonly ListedFile[],
  leftOut: readonly LeftOutFile[],
): string {
  const largestFirst = [...files].sort((a, b) => b.bytes - a.bytes);
  const listed = largestFirst
    .slice(0, LISTED_FILES)
    .map((file) => `  ${file.path} (${formatSize(file.bytes)})`);
  const more = files.length > LISTED_FILES ? [`  … and ${files.length - LISTED_FILES} more`] : [];
  const left =
    leftOut.length > 0
      ? [
          '',
          'Left out (re-include one with "!name" in .kubemlignore):',
          ...leftOut
            .slice(0, LISTED_FILES)
            .map((file) => `  ${file.path}: ${LEFT_OUT_REASONS[file.reason]}`),
        ]
      : [];
  return [headline, ...listed, ...more, ...left].join('\n');
}
