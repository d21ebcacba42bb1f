/**
 * A minimal POSIX (ustar + pax) tar writer for regular files: enough to stream a model folder
 * into `tar -x` in a pod. Written here because the product may not spawn a local tar.
 */
const BLOCK = 512;

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, '0') + '\0';
}

function writeString(header: Buffer, text: string, offset: number, length: number): void {
  header.write(text, offset, Math.min(length, Buffer.byteLength(text)), 'utf8');
}

function checksum(header: Buffer): number {
  let sum = 0;
  for (let index = 0; index < BLOCK; index += 1) sum += index >= 148 && index < 156 ? 32 : header[index];
  return sum;
}

function header(name: string, size: number, type: '0' | 'x', mtimeSeconds: number): Buffer {
  const block = Buffer.alloc(BLOCK);
  writeString(block, name, 0, 100);
  writeString(block, octal(0o644, 8), 100, 8);
  writeString(block, octal(0, 8), 108, 8);
  writeString(block, octal(0, 8), 116, 8);
  writeString(block, octal(size, 12), 124, 12);
  writeString(block, octal(mtimeSeconds, 12), 136, 12);
  block.write(type, 156, 'ascii');
  writeString(block, 'ustar\0', 257, 6);
  writeString(block, '00', 263, 2);
  writeString(block, octal(checksum(block), 8).slice(0, 7) + ' ', 148, 8);
  return block;
}

/** A pax record "<len> path=<value>\n", whose length counts its own digits. */
function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let length = Buffer.byteLength(body) + 1;
  while (String(length).length + Buffer.byteLength(body) !== length) length += 1;
  return `${length}${body}`;
}

export function padding(size: number): Buffer {
  const rest = size % BLOCK;
  return Buffer.alloc(rest === 0 ? 0 : BLOCK - rest);
}

/** Header block(s) of one regular file; a pax header carries paths over 100 bytes or sizes over 8 GiB. */
export function fileHeader(path: string, size: number, mtimeSeconds = 0): Buffer {
  const needsPax = Buffer.byteLength(path) > 100 || size > 0o77777777777 || /[^\x20-\x7e]/.test(path);
  if (!needsPax) return header(path, size, '0', mtimeSeconds);
  const records = Buffer.from(paxRecord('path', path) + (size > 0o77777777777 ? paxRecord('size', String(size)) : ''), 'utf8');
  const shortName = `PaxHeaders/${path.replace(/[^\x20-\x7e]/g, '_').slice(-80)}`;
  return Buffer.concat([header(shortName, records.length, 'x', mtimeSeconds), records, padding(records.length), header(path.replace(/[^\x20-\x7e]/g, '_').slice(-100), Math.min(size, 0o77777777777), '0', mtimeSeconds)]);
}

/** Two zero blocks end the archive. */
export function endOfArchive(): Buffer {
  return Buffer.alloc(BLOCK * 2);
}

/** Bytes of the archive of files with these sizes and paths (headers + data + padding + end). */
export function archiveSize(files: readonly { path: string; size: number }[]): number {
  return files.reduce((sum, file) => sum + fileHeader(file.path, file.size).length + file.size + padding(file.size).length, 0) + BLOCK * 2;
}
