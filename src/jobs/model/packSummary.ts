/** A file the packer did not take, and why: the user is told before anything is sent. */
export interface LeftOutFile {
  readonly path: string;
  readonly reason: 'secret' | 'link' | 'special';
}

/** What a packed folder would send, shown before anything leaves this machine. */
export interface PackSummary {
  readonly folder: string;
  readonly files: readonly { readonly path: string; readonly bytes: number }[];
  readonly uncompressedBytes: number;
  readonly compressedBytes: number;
  readonly leftOut: readonly LeftOutFile[];
}

const LISTED_FILES = 25;

function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MiB` : `${Math.ceil(bytes / 1024)} KiB`;
}

const LEFT_OUT_REASONS = { secret: 'looks like a secret', link: 'symbolic link', special: 'not a regular file' } as const;

/** The modal's text: what goes, how much, and what stays home and why. */
export function packSummaryText(summary: PackSummary): string {
  const largestFirst = [...summary.files].sort((a, b) => b.bytes - a.bytes);
  const listed = largestFirst.slice(0, LISTED_FILES).map((file) => `  ${file.path} (${formatBytes(file.bytes)})`);
  const more = summary.files.length > LISTED_FILES ? [`  … and ${summary.files.length - LISTED_FILES} more`] : [];
  const leftOut = summary.leftOut.length > 0 ? ['', 'Left out (re-include one with "!name" in .kubemlignore):', ...summary.leftOut.slice(0, LISTED_FILES).map((file) => `  ${file.path}: ${LEFT_OUT_REASONS[file.reason]}`)] : [];
  return [`${summary.files.length} files, ${formatBytes(summary.uncompressedBytes)} (${formatBytes(summary.compressedBytes)} compressed), stored as Secrets in the namespace:`, ...listed, ...more, ...leftOut].join('\n');
}
