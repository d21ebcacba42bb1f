/**
 * A fixed-capacity FIFO that drops the oldest items: the in-memory log stays bounded by
 * kubeMl.logs.maxLines however long the stream runs. Items keep an absolute sequence number
 * so views can refer to a line even after older ones were dropped.
 */
export class RingBuffer<T> {
  private readonly items: (T | undefined)[];
  private start = 0;
  private count = 0;
  /** Sequence number of the oldest item still held. */
  private firstSequence = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity <= 0)
      throw new RangeError(`RingBuffer capacity must be a positive integer, got ${capacity}`);
    this.items = new Array<T | undefined>(capacity);
  }

  get size(): number {
    return this.count;
  }

  /** Sequence number of the oldest held item (equals nextSequence when empty). */
  get oldestSequence(): number {
    return this.firstSequence;
  }

  /** Sequence number the next pushed item gets; also the number of items ever pushed. */
  get nextSequence(): number {
    return this.firstSequence + this.count;
  }

  /** Items pushed and since dropped to respect the capacity. */
  get dropped(): number {
    return this.firstSequence;
  }

  /** Adds an item and returns its sequence number. */
  push(item: T): number {
    const sequence = this.nextSequence;
    if (this.count < this.capacity) {
      this.items[(this.start + this.count) % this.capacity] = item;
      this.count++;
    } else {
      this.items[this.start] = item;
      this.start = (this.start + 1) % this.capacity;
      this.firstSequence++;
    }
    return sequence;
  }

  /** The item with this sequence number, if it is still held. */
  getBySequence(sequence: number): T | undefined {
    const offset = sequence - this.firstSequence;
    return offset >= 0 && offset < this.count
      ? this.items[(this.start + offset) % this.capacity]
      : undefined;
  }

  /** The index-th held item, oldest first. */
  at(index: number): T | undefined {
    return index >= 0 && index < this.count
      ? this.items[(this.start + index) % this.capacity]
      : undefined;
  }

  *[Symbol.iterator](): IterableIterator<T> {
    for (let index = 0; index < this.count; index++)
      yield this.items[(this.start + index) % this.capacity] as T;
  }

  toArray(): T[] {
    return [...this];
  }

  clear(): void {
    this.items.fill(undefined);
    this.firstSequence = this.nextSequence;
    this.start = 0;
    this.count = 0;
  }
}
