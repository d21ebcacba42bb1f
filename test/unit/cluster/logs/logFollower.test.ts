// The follower's reconnect state machine, driven by a scripted transport (the cluster suite
// covers the real API server; a container restart cannot be triggered in the sandbox).
import * as assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import {
  LogFollower,
  containerStateOf,
  type ContainerState,
  type FollowOptions,
  type FollowStatus,
  type LogRequest,
  type LogTransport,
} from '../../../../src/cluster/logs/logStream';
import type { TimestampedLine } from '../../../../src/cluster/logs/logLine';

type Step = (request: LogRequest) => { lines: string[]; end: 'end' | 'error' | 'open' } | Error;

class ScriptedTransport implements LogTransport {
  readonly requests: LogRequest[] = [];
  constructor(
    private readonly steps: Step[],
    private readonly states: (ContainerState | undefined)[],
  ) {}
  private stateIndex = 0;

  async containerState(): Promise<ContainerState | undefined> {
    const state = this.states[Math.min(this.stateIndex, this.states.length - 1)];
    this.stateIndex++;
    return state;
  }

  async open(request: LogRequest) {
    this.requests.push(request);
    const step = this.steps.shift();
    if (!step) return new Promise<never>(() => undefined);
    const result = step(request);
    if (result instanceof Error) throw result;
    const stream = new PassThrough();
    setImmediate(() => {
      stream.write(result.lines.map((line) => `${line}\n`).join(''));
      if (result.end === 'end') stream.end();
      else if (result.end === 'error')
        stream.destroy(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }));
    });
    return stream;
  }
}

const running = (restartCount = 0, podUid = 'uid-1'): ContainerState => ({
  podUid,
  containerId: `containerd://${podUid}-${restartCount}`,
  restartCount,
  mayProduceMore: true,
});
const T = (second: number, text: string) =>
  `2026-01-01T00:00:${String(second).padStart(2, '0')}.000000000Z ${text}`;

function run(
  transport: LogTransport,
  until: (lines: TimestampedLine[], statuses: FollowStatus[]) => boolean,
  options: Partial<FollowOptions> = {},
): Promise<{ lines: string[]; statuses: FollowStatus[] }> {
  const lines: TimestampedLine[] = [];
  const statuses: FollowStatus[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      follower.dispose();
      reject(
        new Error(
          `timed out; lines: ${lines.map((line) => line.text).join(',')}; statuses: ${statuses.map((status) => status.state).join(',')}`,
        ),
      );
    }, 5000);
    const check = () => {
      if (until(lines, statuses)) {
        clearTimeout(timer);
        follower.dispose();
        resolve({ lines: lines.map((line) => line.text), statuses });
      }
    };
    const follower = new LogFollower(
      transport,
      {
        onLines: (batch) => {
          lines.push(...batch);
          check();
        },
        onStatus: (status) => {
          statuses.push(status);
          check();
        },
      },
      { follow: true, backoffMs: 5, maxBackoffMs: 20, ...options },
    );
    void follower.start().then(check);
  });
}

describe('LogFollower', () => {
  it('waits between many reconnects without piling listeners on its abort signal', async () => {
    const refused = () =>
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6443'), { code: 'ECONNREFUSED' });
    const transport = new ScriptedTransport(
      [
        ...Array.from({ length: 15 }, () => refused),
        () => ({ lines: [T(1, 'back')], end: 'open' }),
      ],
      [running()],
    );
    // Counts the abort listeners that stay registered (the follower's signal is its own).
    const live = new Set<unknown>();
    const { addEventListener, removeEventListener } = AbortSignal.prototype;
    AbortSignal.prototype.addEventListener = function (
      this: AbortSignal,
      type: string,
      listener: unknown,
      ...rest: unknown[]
    ) {
      if (type === 'abort') live.add(listener);
      return Reflect.apply(addEventListener, this, [type, listener, ...rest]);
    } as typeof addEventListener;
    AbortSignal.prototype.removeEventListener = function (
      this: AbortSignal,
      type: string,
      listener: unknown,
      ...rest: unknown[]
    ) {
      if (type === 'abort') live.delete(listener);
      return Reflect.apply(removeEventListener, this, [type, listener, ...rest]);
    } as typeof removeEventListener;
    try {
      let liveAtReconnect = -1;
      const { lines } = await run(
        transport,
        (received) => {
          if (received.length >= 1 && liveAtReconnect < 0) liveAtReconnect = live.size;
          return received.length >= 1;
        },
        { backoffMs: 1, maxBackoffMs: 1 },
      );
      assert.deepEqual(lines, ['back']);
      assert.equal(transport.requests.length, 16);
      assert.ok(liveAtReconnect <= 1, `${liveAtReconnect} abort listeners left by 15 waits`);
    } finally {
      AbortSignal.prototype.addEventListener = addEventListener;
      AbortSignal.prototype.removeEventListener = removeEventListener;
    }
  });

  it('resumes after a dropped connection from the last second and drops the overlap', async () => {
    const transport = new ScriptedTransport(
      [
        () => ({ lines: [T(1, 'a'), T(2, 'b'), T(2, 'c')], end: 'error' }),
        () => ({ lines: [T(2, 'b'), T(2, 'c'), T(3, 'd')], end: 'open' }),
      ],
      [running()],
    );
    const { lines, statuses } = await run(transport, (received) => received.length >= 4);
    assert.deepEqual(lines, ['a', 'b', 'c', 'd']);
    assert.equal(transport.requests[1].sinceTime, '2026-01-01T00:00:02Z');
    assert.ok(
      statuses.some(
        (status) => status.state === 'reconnecting' && /ECONNRESET/.test(status.message),
      ),
    );
    assert.ok(
      statuses.some(
        (status) =>
          status.state === 'reconnected' && /no lines lost or repeated/.test(status.message),
      ),
      'the overlap came back, so the join is proven',
    );
  });

  it('claims no loss only when the resumed stream repeats the last line shown, and says what may be missing when not', async () => {
    const transport = new ScriptedTransport(
      [
        () => ({ lines: [T(1, 'a'), T(2, 'b')], end: 'error' }),
        // The log lost its tail meanwhile (rotated, truncated): it resumes without "b".
        () => ({ lines: [T(7, 'g')], end: 'open' }),
      ],
      [running()],
    );
    const { lines, statuses } = await run(
      transport,
      (received, said) =>
        received.length >= 3 && said.filter((status) => status.state === 'reconnected').length >= 2,
    );
    assert.deepEqual(lines, ['a', 'b', 'g']);
    const reconnected = statuses
      .filter((status) => status.state === 'reconnected')
      .map((status) => status.message);
    assert.ok(
      reconnected.every((message) => !/no lines lost/.test(message)),
      reconnected.join('\n'),
    );
    assert.match(
      reconnected[0],
      /^Reconnected after: connection lost \(ECONNRESET\)\.$/,
      'nothing claimed before the stream said anything',
    );
    assert.match(
      reconnected[1],
      /went on at 00:00:07 UTC without repeating the last line shown \(00:00:02 UTC\): lines written in between may be missing/,
    );
  });

  it('keeps retrying while the API server is down and says so', async () => {
    const down = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6443'), {
      code: 'ECONNREFUSED',
    });
    const transport = new ScriptedTransport(
      [
        () => ({ lines: [T(1, 'a')], end: 'error' }),
        () => down,
        () => down,
        () => ({ lines: [T(1, 'a'), T(4, 'b')], end: 'open' }),
      ],
      [running()],
    );
    const { lines, statuses } = await run(transport, (received) => received.length >= 2);
    assert.deepEqual(lines, ['a', 'b']);
    assert.ok(
      statuses.filter(
        (status) => status.state === 'reconnecting' && /cannot be reached/.test(status.message),
      ).length >= 2,
    );
  });

  it('retries a denial right after an outage (a restarted API server loads RBAC late), but not a first one', async () => {
    const down = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6443'), {
      code: 'ECONNREFUSED',
    });
    const denied = () =>
      Object.assign(new Error('forbidden'), {
        code: 403,
        body: {
          message:
            'pods "p" is forbidden: RBAC: clusterrole.rbac.authorization.k8s.io "edit" not found',
        },
      });
    const transport = new ScriptedTransport(
      [
        () => ({ lines: [T(1, 'a')], end: 'error' }),
        () => down,
        () => denied(),
        () => denied(),
        () => ({ lines: [T(1, 'a'), T(4, 'b')], end: 'open' }),
      ],
      [running()],
    );
    const { lines, statuses } = await run(transport, (received) => received.length >= 2);
    assert.deepEqual(lines, ['a', 'b']);
    assert.ok(
      !statuses.some((status) => status.state === 'ended'),
      statuses.map((status) => status.message).join('\n'),
    );

    const first = await run(new ScriptedTransport([() => denied()], [running()]), (_, received) =>
      received.some((status) => status.state === 'ended'),
    );
    assert.match(first.statuses[first.statuses.length - 1].message, /forbidden/);
  });

  it('drains the previous instance after a container restart before following the new one', async () => {
    const transport = new ScriptedTransport(
      [
        () => ({ lines: [T(1, 'old-1')], end: 'error' }),
        (request) =>
          request.previous
            ? { lines: [T(1, 'old-1'), T(2, 'old-2 written just before the crash')], end: 'end' }
            : new Error('expected previous'),
        (request) =>
          !request.previous
            ? { lines: [T(5, 'new-1')], end: 'open' }
            : new Error('expected current'),
      ],
      [running(0), running(0), running(1)],
    );
    const { lines, statuses } = await run(transport, (received) => received.length >= 3);
    assert.deepEqual(lines, ['old-1', 'old-2 written just before the crash', 'new-1']);
    assert.equal(transport.requests[1].previous, true);
    assert.equal(transport.requests[1].sinceTime, '2026-01-01T00:00:01Z');
    assert.ok(
      statuses.some(
        (status) =>
          status.state === 'reconnected' && /no lines lost or repeated/.test(status.message),
      ),
      'the previous log repeated the last line shown',
    );
  });

  it("says the previous instance's last lines may be missing when its log cannot be read after a restart", async () => {
    const noPrevious = Object.assign(
      new Error('previous terminated container "c" in pod "p" not found'),
      { code: 400 },
    );
    const transport = new ScriptedTransport(
      [
        () => ({ lines: [T(1, 'old-1')], end: 'error' }),
        () => noPrevious,
        () => ({ lines: [T(5, 'new-1')], end: 'open' }),
      ],
      [running(0), running(0), running(1)],
    );
    const { statuses } = await run(
      transport,
      (received, said) =>
        received.length >= 2 && said.some((status) => status.state === 'reconnected'),
    );
    const reconnected = statuses.find((status) => status.state === 'reconnected');
    assert.match(
      reconnected?.message ?? '',
      /could not be read: lines it wrote after 00:00:01 UTC may be missing/,
    );
  });

  it('cuts a stream that outlives its pod: deleted, or replaced under the same name with restartCount 0', async () => {
    for (const [after, message] of [
      [undefined, /^The pod was deleted; the log ends here\.$/],
      [
        running(0, 'uid-2'),
        /a new pod of the same name took its place; the log of the old one ends here/,
      ],
    ] as const) {
      // The stream stays open, as the sandbox's kwok keeps it, so only the check can notice.
      const transport = new ScriptedTransport(
        [() => ({ lines: [T(1, 'a')], end: 'open' })],
        [running(0), running(0), after],
      );
      const { statuses } = await run(
        transport,
        (_received, said) => said.some((status) => status.state === 'ended'),
        { restartCheckMs: 5 },
      );
      assert.match(statuses[statuses.length - 1].message, message);
      assert.equal(
        transport.requests.length,
        1,
        "the new pod's log is not read as the old one's continuation",
      );
    }
  });

  it('cuts the stream when the container instance changes (containerID) and resumes through the restart path', async () => {
    const restarted: ContainerState = { ...running(0), containerId: 'containerd://second' };
    const transport = new ScriptedTransport(
      [
        () => ({ lines: [T(1, 'old-1')], end: 'open' }),
        (request) =>
          request.previous
            ? { lines: [T(1, 'old-1'), T(2, 'old-2')], end: 'end' }
            : new Error('expected previous'),
        () => ({ lines: [T(3, 'new-1')], end: 'open' }),
      ],
      [running(0), running(0), restarted],
    );
    const { lines, statuses } = await run(transport, (received) => received.length >= 3, {
      restartCheckMs: 5,
    });
    assert.deepEqual(lines, ['old-1', 'old-2', 'new-1']);
    assert.ok(
      statuses.some(
        (status) => status.state === 'reconnecting' && /container restarted/.test(status.message),
      ),
    );
  });

  it('ends when the container exits for good, after reading its last lines', async () => {
    const transport = new ScriptedTransport(
      [
        () => ({ lines: [T(1, 'a')], end: 'end' }),
        () => ({ lines: [T(1, 'a'), T(2, 'done')], end: 'end' }),
      ],
      [
        running(),
        { restartCount: 0, mayProduceMore: false, endReason: 'exited with code 0 (Completed)' },
      ],
    );
    const { lines, statuses } = await run(transport, (_received, received) =>
      received.some((status) => status.state === 'ended'),
    );
    assert.deepEqual(lines, ['a', 'done']);
    assert.match(statuses[statuses.length - 1].message, /exited with code 0 \(Completed\)/);
  });

  it('ends with a clear message when the pod is deleted', async () => {
    const transport = new ScriptedTransport(
      [() => ({ lines: [T(1, 'a')], end: 'end' })],
      [running(), undefined],
    );
    const { statuses } = await run(transport, (_received, received) =>
      received.some((status) => status.state === 'ended'),
    );
    assert.equal(statuses[statuses.length - 1].message, 'The pod was deleted; the log ends here.');
  });
});

describe('containerStateOf', () => {
  it('knows a restarting container may produce more and a completed pod may not', () => {
    const pod = (
      phase: string,
      terminated?: { exitCode: number; reason?: string },
      restartPolicy = 'Always',
    ) => ({
      spec: { restartPolicy, containers: [{ name: 'c' }] },
      status: {
        phase,
        containerStatuses: [
          {
            name: 'c',
            restartCount: 2,
            ready: false,
            image: '',
            imageID: '',
            state: terminated ? { terminated } : { running: {} },
          },
        ],
      },
    });
    assert.deepEqual(containerStateOf(pod('Running'), 'c'), {
      podUid: undefined,
      containerId: undefined,
      restartCount: 2,
      mayProduceMore: true,
      endReason: undefined,
    });
    assert.equal(
      containerStateOf(pod('Running', { exitCode: 1, reason: 'Error' }), 'c').mayProduceMore,
      true,
    );
    const done = containerStateOf(
      pod('Succeeded', { exitCode: 0, reason: 'Completed' }, 'Never'),
      'c',
    );
    assert.equal(done.mayProduceMore, false);
    assert.equal(done.endReason, 'exited with code 0 (Completed)');
  });
});
