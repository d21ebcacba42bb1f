import { Emitter } from '../cluster/emitter';
import type { ClusterSession, Disposable, Listener } from '../cluster/session';

/** The connection as session-scoped state sees it: the current session and when it changes. */
export interface SessionSource {
  readonly session: ClusterSession | undefined;
  onDidChangeSession(listener: Listener<ClusterSession | undefined>): Disposable;
}

/** Calls `apply` with the current session now and again each time the context or namespace changes. */
export function followSession(
  source: SessionSource,
  apply: Listener<ClusterSession | undefined>,
): Disposable {
  const subscription = source.onDidChangeSession(apply);
  apply(source.session);
  return subscription;
}

/**
 * State that belongs to one session (a context and namespace): built for the current session,
 * and on each change the old state is disposed before the next is built. A build that fails
 * leaves no state and is reported; an async build that a newer session overtook is disposed
 * when it resolves, never published.
 */
export class SessionScoped<T extends Disposable> implements Disposable {
  private current: T | undefined;
  private generation = 0;
  private readonly changes = new Emitter<T | undefined>();
  private readonly subscription: Disposable;
  /** Fires the new state (undefined while there is none, or while an async build runs). */
  readonly onDidChange = this.changes.event;

  constructor(
    source: SessionSource,
    private readonly build: (session: ClusterSession) => T | undefined | Promise<T | undefined>,
    private readonly onError: (error: unknown) => void,
  ) {
    this.subscription = followSession(source, (session) => this.rebuild(session));
  }

  get value(): T | undefined {
    return this.current;
  }

  dispose(): void {
    this.generation++;
    this.subscription.dispose();
    this.current?.dispose();
    this.current = undefined;
    this.changes.dispose();
  }

  private rebuild(session: ClusterSession | undefined): void {
    const mine = ++this.generation;
    this.current?.dispose();
    this.current = undefined;
    let built: T | undefined | Promise<T | undefined>;
    try {
      built = session && this.build(session);
    } catch (error) {
      this.onError(error);
    }
    if (!(built instanceof Promise)) {
      this.publish(built);
      return;
    }
    this.changes.fire(undefined);
    built.then(
      (value) => {
        if (mine === this.generation) this.publish(value);
        else value?.dispose();
      },
      (error: unknown) => {
        if (mine === this.generation) this.onError(error);
      },
    );
  }

  private publish(value: T | undefined): void {
    this.current = value;
    this.changes.fire(value);
  }
}
