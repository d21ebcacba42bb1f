import * as assert from 'node:assert/strict';
import { PENDING_INPUT_LIMIT_BYTES, PendingInput } from '../../../src/terminals/model/pendingInput';

describe('keys typed while a terminal connects', () => {
  it('keeps them in typing order and hands them over once', () => {
    const pending = new PendingInput();
    pending.add('ls');
    pending.add(' -la');
    pending.add('\r');
    assert.deepEqual(pending.take(), { text: 'ls -la\r', droppedBytes: 0 });
    assert.deepEqual(pending.take(), { text: '', droppedBytes: 0 }, 'emptied by take');
  });

  it('keeps at most 64 KiB and drops everything after the first chunk that does not fit', () => {
    assert.equal(PENDING_INPUT_LIMIT_BYTES, 64 * 1024);
    const pending = new PendingInput();
    const paste = 'x'.repeat(PENDING_INPUT_LIMIT_BYTES - 2);
    pending.add(paste);
    pending.add('ab');
    pending.add('c');
    pending.add('d');
    assert.deepEqual(
      pending.take(),
      { text: `${paste}ab`, droppedBytes: 2 },
      'no hole: "d" fits by size but follows a dropped key',
    );
  });

  it('counts UTF-8 bytes, not UTF-16 units', () => {
    const pending = new PendingInput(4);
    pending.add('é');
    pending.add('€');
    assert.deepEqual(pending.take(), { text: 'é', droppedBytes: 3 });
  });

  it('discards what was typed when the connection fails, and starts over', () => {
    const pending = new PendingInput(4);
    pending.add('abcd');
    pending.add('e');
    pending.discard();
    pending.add('ok');
    assert.deepEqual(pending.take(), { text: 'ok', droppedBytes: 0 });
  });
});
