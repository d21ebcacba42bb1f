/**
 * The webview's bounded log store, built for search speed: lines live in fixed blocks of
 * BLOCK_LINES; a full block is immutable, so its plain text is joined once into one string and a
 * search runs one native regex scan per block instead of one per line (1,000,000 lines: tens of
 * milliseconds instead of hundreds). Holds at most `capacity` lines; the oldest are dropped.
 */
import { matchRanges, type CompiledQuery } from './filter';

export const BLOCK_LINES = 4096;

export interface StoredLine {
  /** Text as received (may contain ANSI escapes). */
  readonly text: string;
  /** Text without escapes: what filters and search look at. */
  readonly plain: string;
}

interface Block<T extends StoredLine> {
  /** Sequence number of lines[0]; always a multiple of BLOCK_LINES. */
  readonly base: number;
  readonly lines: T[];
  /** Lines before this index were dropped. */
  first: number;
  joined?: string;
  offsets?: Int32Array;
}

export class LineStore<T extends StoredLine> {
  private blocks: Block<T>[] = [];
  private nextSeq = 0;
  private count = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity <= 0)
      throw new RangeError(`LineStore capacity must be a positive integer, got ${capacity}`);
  }

  get size(): number {
    return this.count;
  }

  /** Sequence number of the oldest held line. */
  get oldestSequence(): number {
    const head = this.blocks[0];
    return head ? head.base + head.first : this.nextSeq;
  }

  get nextSequence(): number {
    return this.nextSeq;
  }

  push(line: T): number {
    let tail = this.blocks[this.blocks.length - 1];
    if (!tail || tail.lines.length === BLOCK_LINES) {
      tail = { base: this.nextSeq, lines: [], first: 0 };
      this.blocks.push(tail);
    }
    tail.lines.push(line);
    // Join a block once, when it fills, so no search pays for it.
    if (tail.lines.length === BLOCK_LINES) this.seal(tail);
    this.count++;
    if (this.count > this.capacity) this.dropOldest();
    return this.nextSeq++;
  }

  private dropOldest(): void {
    const head = this.blocks[0];
    (head.lines as (T | undefined)[])[head.first] = undefined;
    head.first++;
    this.count--;
    if (head.first === head.lines.length && head.lines.length === BLOCK_LINES) this.blocks.shift();
  }

  get(sequence: number): T | undefined {
    const head = this.blocks[0];
    if (!head || sequence < head.base + head.first || sequence >= this.nextSeq) return undefined;
    const block = this.blocks[Math.floor((sequence - head.base) / BLOCK_LINES)];
    return block?.lines[sequence - block.base];
  }

  clear(): void {
    this.blocks = [];
    this.count = 0;
    // Keep block bases aligned to BLOCK_LINES so get() stays a division.
    this.nextSeq = Math.ceil(this.nextSeq / BLOCK_LINES) * BLOCK_LINES;
  }

  *sequences(from = this.oldestSequence): IterableIterator<number> {
    for (let sequence = Math.max(from, this.oldestSequence); sequence < this.nextSeq; sequence++)
      yield sequence;
  }

  /**
   * Sequence numbers of the lines whose plain text matches, oldest first, at most `limit`.
   * Sealed blocks are scanned as one string; the growing tail block line by line.
   */
  search(
    query: CompiledQuery,
    from = this.oldestSequence,
    limit = Number.POSITIVE_INFINITY,
  ): number[] {
    const linePattern = query.pattern;
    const found: number[] = [];
    if (!linePattern) return found;
    // '^' and '$' must mean line start/end inside a joined block.
    const pattern = linePattern.multiline
      ? linePattern
      : new RegExp(linePattern.source, `${linePattern.flags}m`);
    for (const block of this.blocks) {
      if (found.length >= limit) break;
      if (block.base + block.lines.length <= from) continue;
      const startIndex = Math.max(block.first, from - block.base);
      if (block.lines.length < BLOCK_LINES) {
        for (let index = startIndex; index < block.lines.length && found.length < limit; index++) {
          pattern.lastIndex = 0;
          if (pattern.test(block.lines[index].plain)) found.push(block.base + index);
        }
        continue;
      }
      this.seal(block);
      const joined = block.joined as string;
      const offsets = block.offsets as Int32Array;
      pattern.lastIndex = offsets[startIndex];
      for (
        let match = pattern.exec(joined);
        match && found.length < limit;
        match = pattern.exec(joined)
      ) {
        const index = lineAt(offsets, match.index);
        // A match must not span the '\n' between two lines.
        if (match.index + match[0].length <= offsets[index + 1] - 1 || match[0].length === 0) {
          if (match[0].length > 0) found.push(block.base + index);
        } else {
          pattern.lastIndex = match.index + 1;
          continue;
        }
        if (index + 1 >= block.lines.length) break;
        pattern.lastIndex = offsets[index + 1];
      }
    }
    return found;
  }

  /** Highlight ranges in one line. */
  rangesIn(sequence: number, query: CompiledQuery) {
    const line = this.get(sequence);
    return line ? matchRanges(query, line.plain) : [];
  }

  private seal(block: Block<T>): void {
    if (block.joined !== undefined) return;
    const offsets = new Int32Array(block.lines.length + 1);
    let position = 0;
    const texts: string[] = new Array(block.lines.length);
    for (let index = 0; index < block.lines.length; index++) {
      offsets[index] = position;
      const plain = block.lines[index]?.plain ?? '';
      texts[index] = plain;
      position += plain.length + 1;
    }
    offsets[block.lines.length] = position;
    block.joined = texts.join('\n');
    block.offsets = offsets;
  }
}

/** Index of the line containing character `offset` (binary search over line starts). */
function lineAt(offsets: Int32Array, offset: number): number {
  let low = 0;
  let high = offsets.length - 2;
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if (offsets[middle] <= offset) low = middle;
    else high = middle - 1;
  }
  return low;
}
