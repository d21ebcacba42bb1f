import * as assert from 'node:assert/strict';
import { planRows, type RowPlan } from '../../../../src/webviews/logs/rowRecycling';
import { rowSegments, xterm256 } from '../../../../src/webviews/logs/rowSegments';

/** The element (old slot index, or 'new') each row gets, and which old slots stay where they are. */
function summary(plan: RowPlan): {
  rows: (number | 'new')[];
  refills: boolean[];
  staying: number[];
} {
  return {
    rows: plan.rows.map((row) => row.slot ?? 'new'),
    refills: plan.rows.map((row) => row.refill),
    staying: plan.staysInPlace.flatMap((stays, slot) => (stays ? [slot] : [])),
  };
}

/** Applies a plan the way the list does and returns the sequences in DOM order afterwards. */
function domAfter(shown: number[], wanted: number[]): number[] {
  const plan = planRows(shown, wanted);
  const dom = shown
    .map((sequence, slot) => ({ slot, sequence }))
    .filter((node) => plan.staysInPlace[node.slot]);
  const nodes = plan.rows.map((row, index) => ({
    slot: row.slot ?? -1 - index,
    sequence: wanted[index],
  }));
  let cursor = 0;
  for (const node of nodes) {
    if (dom[cursor]?.slot === node.slot) {
      dom[cursor] = node;
      cursor++;
    } else {
      dom.splice(cursor, 0, node);
      cursor++;
    }
  }
  assert.equal(dom.length, wanted.length, 'every element left in the DOM is a wanted row');
  return dom.map((node) => node.sequence);
}

describe('row recycling plan', () => {
  it('keeps rows still in view untouched and refills the ones that scrolled out, in place (following a stream)', () => {
    // Three new lines arrived at the bottom: 10..14 -> 13..17.
    const plan = planRows([10, 11, 12, 13, 14], [13, 14, 15, 16, 17]);
    const { rows, refills, staying } = summary(plan);
    assert.deepEqual(rows.slice(0, 2), [3, 4], 'lines 13 and 14 keep their elements');
    assert.deepEqual(refills, [false, false, true, true, true]);
    // The three elements that showed 10..12 move below: they are the only ones not staying.
    assert.deepEqual(staying, [3, 4]);
    assert.deepEqual(rows.slice(2).sort(), [0, 1, 2]);
    assert.deepEqual(domAfter([10, 11, 12, 13, 14], [13, 14, 15, 16, 17]), [13, 14, 15, 16, 17]);
  });

  it('reuses elements in place when scrolling up by a few rows', () => {
    const plan = planRows([20, 21, 22, 23], [18, 19, 20, 21]);
    const { rows, refills, staying } = summary(plan);
    // 20 and 21 keep theirs; the elements of 22 and 23 (below) move to the top for 18 and 19.
    assert.deepEqual(rows, [2, 3, 0, 1]);
    assert.deepEqual(refills, [true, true, false, false]);
    assert.deepEqual(staying, [0, 1]);
    assert.deepEqual(domAfter([20, 21, 22, 23], [18, 19, 20, 21]), [18, 19, 20, 21]);
  });

  it('refills every element in DOM order after a jump, moving none', () => {
    const plan = planRows([1, 2, 3], [500, 501, 502]);
    assert.deepEqual(summary(plan), {
      rows: [0, 1, 2],
      refills: [true, true, true],
      staying: [0, 1, 2],
    });
  });

  it('creates elements when the view grows and drops the spare ones when it shrinks', () => {
    assert.deepEqual(summary(planRows([5, 6], [5, 6, 7, 8])), {
      rows: [0, 1, 'new', 'new'],
      refills: [false, false, true, true],
      staying: [0, 1],
    });
    assert.deepEqual(summary(planRows([5, 6, 7, 8], [6, 7])), {
      rows: [1, 2],
      refills: [false, false],
      staying: [1, 2],
    });
    assert.deepEqual(summary(planRows([], [1, 2])), {
      rows: ['new', 'new'],
      refills: [true, true],
      staying: [],
    });
    assert.deepEqual(summary(planRows([1, 2], [])), { rows: [], refills: [], staying: [] });
  });

  it('keeps kept rows when a filter leaves gaps between them, and the DOM ends in row order', () => {
    // Rows of a filtered list: 3 and 9 stay, 5 and 7 are new between them, 1 and 2 left.
    const shown = [1, 2, 3, 4, 9];
    const wanted = [3, 5, 7, 9, 11];
    const plan = planRows(shown, wanted);
    assert.equal(plan.rows[0].slot, 2);
    assert.equal(plan.rows[0].refill, false);
    assert.equal(plan.rows[3].slot, 4);
    assert.equal(plan.rows[3].refill, false);
    assert.deepEqual(domAfter(shown, wanted), wanted);
    const slots = plan.rows.map((row) => row.slot).filter((slot) => slot !== undefined);
    assert.equal(new Set(slots).size, slots.length, 'no element is used twice');
  });

  it('always yields the wanted rows in order, each element used once', () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const ascending = (start: number, length: number, gapChance: number) => {
      const list: number[] = [];
      for (let value = start; list.length < length; value++)
        if (random() >= gapChance) list.push(value);
      return list;
    };
    for (let round = 0; round < 300; round++) {
      const shown = ascending(Math.floor(random() * 40), Math.floor(random() * 30), random() * 0.5);
      const wanted = ascending(
        Math.floor(random() * 40),
        Math.floor(random() * 30),
        random() * 0.5,
      );
      const plan = planRows(shown, wanted);
      assert.deepEqual(domAfter(shown, wanted), wanted, `shown ${shown} wanted ${wanted}`);
      const slots = plan.rows.flatMap((row) => (row.slot === undefined ? [] : [row.slot]));
      assert.equal(new Set(slots).size, slots.length);
      plan.rows.forEach((row, index) => {
        if (!row.refill)
          assert.equal(
            shown[row.slot as number],
            wanted[index],
            'an element is kept only for its own line',
          );
      });
    }
  });
});

describe('row segments', () => {
  it('renders plain text as one unstyled segment', () => {
    assert.deepEqual(rowSegments('step 12: loss 0.5', [], false), [
      { text: 'step 12: loss 0.5', className: '' },
    ]);
    assert.deepEqual(rowSegments('', [], false), []);
  });

  it('turns ANSI styles into theme classes and literal colours', () => {
    assert.deepEqual(
      rowSegments('\x1b[1;32mINFO\x1b[0m ok \x1b[38;5;208mwarm\x1b[48;2;0;0;255m!', [], false),
      [
        { text: 'INFO', className: 'ansi-fg-2 ansi-bold' },
        { text: ' ok ', className: '' },
        { text: 'warm', className: '', colour: 'rgb(255,135,0)' },
        { text: '!', className: '', colour: 'rgb(255,135,0)', background: '#0000ff' },
      ],
    );
    assert.deepEqual(rowSegments('\x1b[7;31;44mswap', [], false), [
      { text: 'swap', className: 'ansi-fg-4 ansi-bg-1' },
    ]);
  });

  it('marks search matches inside and across styled runs, the current one apart', () => {
    const text = '\x1b[31merror\x1b[0m: disk error';
    assert.deepEqual(
      rowSegments(
        text,
        [
          { start: 0, end: 5 },
          { start: 12, end: 17 },
        ],
        false,
      ),
      [
        { text: 'error', className: 'ansi-fg-1 match' },
        { text: ': disk ', className: '' },
        { text: 'error', className: 'match' },
      ],
    );
    // A match spanning the end of the red run is split at the style boundary.
    assert.deepEqual(rowSegments(text, [{ start: 3, end: 8 }], true), [
      { text: 'err', className: 'ansi-fg-1' },
      { text: 'or', className: 'ansi-fg-1 match-current' },
      { text: ': d', className: 'match-current' },
      { text: 'isk error', className: '' },
    ]);
  });

  it('maps the xterm 256-colour cube and greys', () => {
    assert.equal(xterm256(16), 'rgb(0,0,0)');
    assert.equal(xterm256(231), 'rgb(255,255,255)');
    assert.equal(xterm256(232), 'rgb(8,8,8)');
    assert.equal(xterm256(255), 'rgb(238,238,238)');
  });
});
