import {
  fileListText,
  formatSize,
  type LeftOutFile,
  type ListedFile,
} from '../../common/model/fileListing';

/** What a packed folder would send, shown before anything leaves this machine. */
export interface PackSummary {
  readonly folder: string;
  readonly files: readonly ListedFile[];
  readonly uncompressedBytes: number;
  readonly compressedBytes: number;
  readonly leftOut: readonly LeftOutFile[];
}

/** The modal's text: what goes, how much, and what stays home and why. */
export function packSummaryText(summary: PackSummary): string {
  const headline = `${summary.files.length} files, ${formatSize(summary.uncompressedBytes)} (${formatSize(summary.compressedBytes)} compressed), stored as Secrets in the namespace:`;
  return fileListText(headline, summary.files, summary.leftOut);
}
