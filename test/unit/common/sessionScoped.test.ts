import * as assert from 'node:assert/strict';
import { Emitter } from '../../../src/cluster/emitter';
import type { ClusterSession } from '../../../src/cluster/session';
import {
  followSession,
  SessionScoped,
  type SessionSource,
} from '../../../src/common/sessionScoped';

/** Session-scoped state needs only a session's identity: these stand-ins carry just a namespace. */
function sessionIn(namespace: string): ClusterSession {
  return { namespace } as ClusterSession;
}

function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((done) => (resolve = done));
  return { promise, resolve };
}

class FakeConnection implements SessionSource {
  private readonly changes = new Emitter<ClusterSession | undefined>();
  readonly onDidChangeSession = this.changes.event;
  constructor(public session: ClusterSession | undefined) {}
  change(session: ClusterSession | undefined): void {
    this.session = session;
    this.changes.fire(session);
  }
}

/** For builds that must not fail. */
function unexpected(error: unknown): never {
  throw error;
}

class State {
  disposed = false;
  private readonly disposal = deferred<void>();
  /** Resolves when the state is disposed. */
  readonly whenDisposed = this.disposal.promise;
  constructor(readonly namespace: string) {}
  dispose(): void {
    this.disposed = true;
    this.disposal.resolve();
  }
}

describe('SessionScoped', () => {
  it('builds for the current session and, on a change, disposes the old state before building the next', () => {
    const connection = new FakeConnection(sessionIn('a'));
    const events: string[] = [];
    const scoped = new SessionScoped(
      connection,
      (session) => {
        events.push(`build ${session.namespace}`);
        return new State(session.namespace);
      },
      unexpected,
    );
    scoped.onDidChange((state) => events.push(`changed ${state?.namespace ?? 'none'}`));
    const first = scoped.value;
    assert.equal(first?.namespace, 'a');
    connection.change(sessionIn('b'));
    assert.equal(first?.disposed, true);
    assert.equal(scoped.value?.namespace, 'b');
    connection.change(undefined);
    assert.equal(scoped.value, undefined);
    assert.deepEqual(events, ['build a', 'build b', 'changed b', 'changed none']);
  });

  it('disposes an async build that a newer session overtook, and publishes only the newest', async () => {
    const connection = new FakeConnection(sessionIn('a'));
    const pending = new Map<string, { promise: Promise<State>; resolve: (value: State) => void }>();
    const scoped = new SessionScoped(
      connection,
      (session) => {
        const build = deferred<State>();
        pending.set(session.namespace, build);
        return build.promise;
      },
      unexpected,
    );
    connection.change(sessionIn('b'));
    const late = new State('a');
    const published: (string | undefined)[] = [];
    const publishedB = deferred<void>();
    scoped.onDidChange((state) => {
      published.push(state?.namespace);
      publishedB.resolve();
    });
    pending.get('b')!.resolve(new State('b'));
    await publishedB.promise;
    pending.get('a')!.resolve(late);
    await late.whenDisposed;
    assert.equal(scoped.value?.namespace, 'b');
    assert.deepEqual(published, ['b']);
  });

  it('reports a failed build and keeps no state', async () => {
    const connection = new FakeConnection(sessionIn('a'));
    const errors: unknown[] = [];
    const scoped = new SessionScoped<State>(
      connection,
      () => {
        throw new Error('forbidden');
      },
      (error) => errors.push(error),
    );
    assert.equal(scoped.value, undefined);
    const reported = deferred<void>();
    const rejecting = new SessionScoped<State>(
      connection,
      () => Promise.reject(new Error('unreachable')),
      (error) => {
        errors.push(error);
        reported.resolve();
      },
    );
    await reported.promise;
    assert.deepEqual(
      errors.map((error) => (error as Error).message),
      ['forbidden', 'unreachable'],
    );
    assert.equal(rejecting.value, undefined);
  });

  it('on dispose, disposes its state and stops following the session', () => {
    const connection = new FakeConnection(sessionIn('a'));
    let builds = 0;
    const scoped = new SessionScoped(
      connection,
      (session) => {
        builds++;
        return new State(session.namespace);
      },
      unexpected,
    );
    const state = scoped.value;
    scoped.dispose();
    connection.change(sessionIn('b'));
    assert.equal(state?.disposed, true);
    assert.equal(builds, 1);
    assert.equal(scoped.value, undefined);
  });
});

describe('followSession', () => {
  it('applies the current session at once and each change until disposed', () => {
    const connection = new FakeConnection(sessionIn('a'));
    const seen: (string | undefined)[] = [];
    const subscription = followSession(connection, (session) => seen.push(session?.namespace));
    connection.change(sessionIn('b'));
    subscription.dispose();
    connection.change(sessionIn('c'));
    assert.deepEqual(seen, ['a', 'b']);
  });
});
