import type { Disposable } from './session';

/**
 * Owns disposables and disposes them in reverse order of addition (later ones may depend on
 * earlier ones). Pure, so the core and the VS Code glue share it; vscode.Disposable fits.
 */
export class DisposableStore implements Disposable {
  private readonly items: Disposable[] = [];
  private disposed = false;

  /** Adds an item and returns it; after dispose() the item is disposed at once. */
  add<D extends Disposable>(item: D): D {
    if (this.disposed) {
      item.dispose();
    } else {
      this.items.push(item);
    }
    return item;
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  /** Disposes what the store holds and keeps it usable (for state rebuilt on a change). */
  clear(): void {
    for (const item of this.items.splice(0).reverse()) {
      item.dispose();
    }
  }

  /** Safe to call more than once. */
  dispose(): void {
    this.disposed = true;
    this.clear();
  }
}
