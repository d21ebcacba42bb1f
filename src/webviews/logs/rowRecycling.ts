/**
 * Row recycling for the virtualised log list. Creating and removing row elements on every frame
 * costs style, layout and garbage collection; instead the list keeps one element per visible row,
 * keyed by the line's sequence number, and plans each render as:
 * - a row whose line is still in view keeps its element untouched (following a stream moves a
 *   few rows, not all of them);
 * - a row that scrolled out lends its element to a row that scrolled in on the same side of the
 *   kept block, so the element does not move in the DOM (only its text changes);
 * - only what is left over is moved, created or removed.
 */

export interface RowAssignment {
  /** Index of the old element this row uses, or undefined to create one. */
  readonly slot: number | undefined;
  /** The element shows another line (or is new): its content must be written. */
  readonly refill: boolean;
}

export interface RowPlan {
  /** One per new row, in order. */
  readonly rows: readonly RowAssignment[];
  /** Per old slot: it stays in the DOM exactly where it is (others move or go). */
  readonly staysInPlace: readonly boolean[];
}

/**
 * Plans a render. `shown` are the sequence numbers of the elements in DOM order, `wanted` those of
 * the rows to show, in order. Both are ascending (rows are lines in log order).
 */
export function planRows(shown: readonly number[], wanted: readonly number[]): RowPlan {
  const rows: (RowAssignment | undefined)[] = new Array(wanted.length);
  const staysInPlace = new Array<boolean>(shown.length).fill(false);
  const used = new Array<boolean>(shown.length).fill(false);
  // Kept rows: the same line in both (a merge walk, both lists ascending).
  let firstKept = -1;
  let lastKept = -1;
  for (let oldIndex = 0, newIndex = 0; oldIndex < shown.length && newIndex < wanted.length;) {
    if (shown[oldIndex] < wanted[newIndex]) oldIndex++;
    else if (shown[oldIndex] > wanted[newIndex]) newIndex++;
    else {
      rows[newIndex] = { slot: oldIndex, refill: false };
      used[oldIndex] = true;
      staysInPlace[oldIndex] = true;
      if (firstKept < 0) firstKept = newIndex;
      lastKept = newIndex;
      oldIndex++;
      newIndex++;
    }
  }
  if (firstKept < 0) {
    // Nothing kept (a jump, or a sweep): rows take the elements in DOM order, none moves.
    for (let index = 0; index < Math.min(wanted.length, shown.length); index++) {
      rows[index] = { slot: index, refill: true };
      used[index] = true;
      staysInPlace[index] = true;
    }
  } else {
    // Rows above the kept block reuse the free elements just above it, nearest first; rows below
    // it those just below it. Both stay in place.
    let slot = (rows[firstKept] as RowAssignment).slot as number;
    for (let newIndex = firstKept - 1; newIndex >= 0 && slot > 0; newIndex--) {
      slot--;
      rows[newIndex] = { slot, refill: true };
      used[slot] = true;
      staysInPlace[slot] = true;
    }
    slot = (rows[lastKept] as RowAssignment).slot as number;
    for (
      let newIndex = lastKept + 1;
      newIndex < wanted.length && slot < shown.length - 1;
      newIndex++
    ) {
      slot++;
      rows[newIndex] = { slot, refill: true };
      used[slot] = true;
      staysInPlace[slot] = true;
    }
  }
  // Whatever is still missing (gaps inside the kept block, or one side short of elements) takes any
  // free element, which then moves, or a new one.
  let spare = 0;
  for (let newIndex = 0; newIndex < wanted.length; newIndex++) {
    if (rows[newIndex]) continue;
    while (spare < shown.length && used[spare]) spare++;
    if (spare < shown.length) {
      used[spare] = true;
      rows[newIndex] = { slot: spare, refill: true };
    } else {
      rows[newIndex] = { slot: undefined, refill: true };
    }
  }
  return { rows: rows as RowAssignment[], staysInPlace };
}
