import type { Disposable, Listener } from './session';

/**
 * A tiny typed event emitter for pure code (vscode.EventEmitter is not available outside the
 * extension host). Every listener runs even if an earlier one throws; the first error is rethrown
 * afterwards so a faulty listener is never silently swallowed.
 */
export class Emitter<T> implements Disposable {
  private readonly listeners = new Set<Listener<T>>();

  /** Subscribe; dispose the result to unsubscribe. */
  readonly event = (listener: Listener<T>): Disposable => {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  };

  get hasListeners(): boolean {
    return this.listeners.size > 0;
  }

  fire(value: T): void {
    let firstError: unknown;
    for (const listener of [...this.listeners]) {
      try {
        listener(value);
      } catch (error) {
        firstError ??= error;
      }
    }
    if (firstError !== undefined) {
      throw firstError;
    }
  }

  dispose(): void {
    this.listeners.clear();
  }
}
