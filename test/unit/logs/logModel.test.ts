import * as assert from 'node:assert/strict';
import { Batcher } from '../../../src/logs/model/batcher';
import { RingBuffer } from '../../../src/logs/model/ringBuffer';

describe('RingBuffer', () => {
  it('drops the oldest items beyond its capacity and keeps sequence numbers', () => {
    const buffer = new RingBuffer<number>(3);
    for (let value = 0; value < 5; value++) assert.equal(buffer.push(value), value);
    assert.deepEqual(buffer.toArray(), [2, 3, 4]);
    assert.equal(buffer.dropped, 2);
    assert.equal(buffer.oldestSequence, 2);
    assert.equal(buffer.getBySequence(1), undefined);
    assert.equal(buffer.getBySequence(3), 3);
    assert.equal(buffer.at(0), 2);
    buffer.clear();
    assert.equal(buffer.size, 0);
    assert.equal(buffer.nextSequence, 5);
    assert.throws(() => new RingBuffer(0), RangeError);
  });
});

describe('Batcher', () => {
  it('drops pending items on discardPending and keeps batching afterwards', async () => {
    const delivered: number[][] = [];
    const batcher = new Batcher<number>(5, (items) => delivered.push(items));
    batcher.add(1);
    batcher.add(2);
    batcher.discardPending();
    batcher.add(3);
    await new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (delivered.length > 0) {
          clearInterval(check);
          resolve();
        }
      }, 1);
    });
    assert.deepEqual(delivered, [[3]]);
    batcher.dispose();
  });

  it('keeps a batch within its budget: the newest items, counting the superseded', () => {
    const delivered: string[][] = [];
    const batcher = new Batcher<string>(60_000, (items) => delivered.push(items), {
      maxItems: 3,
      maxCost: 10,
      cost: (item) => item.length,
    });
    for (const item of ['a', 'b', 'c', 'd', 'e']) batcher.add(item);
    batcher.flush();
    batcher.add('xxxxxx');
    batcher.add('yyyyyy');
    batcher.add('z'.repeat(50));
    batcher.flush();
    assert.deepEqual(delivered, [['c', 'd', 'e'], ['z'.repeat(50)]]);
    assert.equal(batcher.superseded, 4);
    for (let index = 0; index < 100_000; index++) batcher.add(String(index));
    batcher.flush();
    assert.deepEqual(delivered[2], ['99998', '99999']);
    batcher.dispose();
  });
});
