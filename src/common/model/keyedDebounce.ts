/**
 * Runs an action for a key once the key has been quiet for `delayMs`: editing a file fires an
 * event per keystroke, and reparsing on each would make typing cost a parse per character.
 */
export class KeyedDebounce<K> {
  private readonly timers = new Map<K, ReturnType<typeof setTimeout>>();

  constructor(private readonly delayMs: number) {}

  schedule(key: K, action: () => void): void {
    clearTimeout(this.timers.get(key));
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        action();
      }, this.delayMs),
    );
  }

  cancel(key: K): void {
    clearTimeout(this.timers.get(key));
    this.timers.delete(key);
  }

  get pending(): number {
    return this.timers.size;
  }

  dispose(): void {
    this.timers.forEach((timer) => clearTimeout(timer));
    this.timers.clear();
  }
}
