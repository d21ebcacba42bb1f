/**
 * Following a container's log through the API server, exactly once across dropped connections,
 * API-server restarts and container restarts. Pure (no vscode): the log panel, the jobs helper,
 * tests and the benchmark all use it.
 *
 * Why not client-node's `Log`: it pipes the response body without forwarding socket errors, so a
 * dropped connection leaves the stream hanging forever; we need the error to reconnect.
 */
import type { IncomingMessage } from 'node:http';
import { setTimeout as wait } from 'node:timers/promises';
import { CoreV1Api, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { apiRequest, readErrorBody } from '../apiRequest';
import { backoffDelay } from '../backoff';
import { DENIALS_RETRIED_AFTER_OUTAGE, isDenial, KubeMlError, toKubeMlError } from '../errors';
import { retryWithFreshCredentials } from '../execCredentials/sharedExecAuth';
import type { Disposable, WatchCache } from '../session';
import { floorToSecond, LineSplitter, parseTimestampedLine, type TimestampedLine } from './logLine';
import { ResumeDeduplicator, type ResumeJoin } from './resume';

/** GET an API path as a live response (logs, proxy). Rejects with a KubeMlError on HTTP >= 400. */
export function openApiStream(
  kubeConfig: KubeConfig,
  apiPath: string,
  operation: string,
  signal?: AbortSignal,
): Promise<IncomingMessage> {
  return retryWithFreshCredentials(kubeConfig, () =>
    openApiStreamOnce(kubeConfig, apiPath, operation, signal),
  );
}

async function openApiStreamOnce(
  kubeConfig: KubeConfig,
  apiPath: string,
  operation: string,
  signal?: AbortSignal,
): Promise<IncomingMessage> {
  const request = await apiRequest(kubeConfig, apiPath, operation, { method: 'GET', signal });
  return new Promise<IncomingMessage>((resolve, reject) => {
    request.on('response', (response) => {
      const status = response.statusCode ?? 0;
      if (status < 400) {
        resolve(response);
        return;
      }
      readErrorBody(response, 64 * 1024, (body) =>
        reject(toKubeMlError({ code: status, body }, operation)),
      );
    });
    request.on('error', (error) => reject(toKubeMlError(error, operation)));
    request.end();
  });
}

/** GET an API path and return its body as text (bounded, for /metrics and similar). */
export async function getApiText(
  kubeConfig: KubeConfig,
  apiPath: string,
  operation: string,
  signal?: AbortSignal,
  maxBytes = 32 * 1024 * 1024,
): Promise<string> {
  const response = await openApiStream(kubeConfig, apiPath, operation, signal);
  return new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    response.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        response.destroy();
        reject(
          new KubeMlError(
            'unknown',
            `Could not ${operation}: the answer is larger than ${maxBytes} bytes.`,
          ),
        );
        return;
      }
      chunks.push(chunk);
    });
    response.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    response.on('error', (error) => reject(toKubeMlError(error, operation)));
  });
}

export interface LogTarget {
  readonly namespace: string;
  readonly pod: string;
  readonly container: string;
  /** Read the previous (terminated) instance of the container instead of the current one. */
  readonly previous?: boolean;
}

export interface LogRequest {
  readonly follow: boolean;
  readonly previous: boolean;
  readonly sinceTime?: string;
  readonly tailLines?: number;
}

export function logPath(target: LogTarget, request: LogRequest): string {
  const query = new URLSearchParams({
    container: target.container,
    timestamps: 'true',
    follow: String(request.follow),
    previous: String(request.previous),
  });
  if (request.sinceTime) query.set('sinceTime', request.sinceTime);
  else if (request.tailLines !== undefined) query.set('tailLines', String(request.tailLines));
  return `/api/v1/namespaces/${encodeURIComponent(target.namespace)}/pods/${encodeURIComponent(target.pod)}/log?${query.toString()}`;
}

/** What the follower needs to know about the container between connections. */
export interface ContainerState {
  /** The pod instance (metadata.uid): a pod recreated under the same name has a new one. */
  readonly podUid?: string;
  /** The container instance (status.containerID): a new one after every restart. */
  readonly containerId?: string;
  readonly restartCount: number;
  /** The container instance is running (or waiting to restart): more lines may come. */
  readonly mayProduceMore: boolean;
  /** "exited with code 1 (Error)" when the container terminated for good. */
  readonly endReason?: string;
}

/** How the follower reaches the cluster; tests of the state machine substitute it. */
export interface LogTransport {
  open(
    request: LogRequest,
    signal: AbortSignal,
  ): Promise<NodeJS.ReadableStream & { destroy(error?: Error): void }>;
  /** undefined when the pod no longer exists. */
  containerState(): Promise<ContainerState | undefined>;
}

export function containerStateOf(pod: V1Pod, container: string): ContainerState {
  const statuses = [
    ...(pod.status?.initContainerStatuses ?? []),
    ...(pod.status?.containerStatuses ?? []),
  ];
  const status = statuses.find((candidate) => candidate.name === container);
  const phase = pod.status?.phase;
  const restartPolicy = pod.spec?.restartPolicy ?? 'Always';
  const terminated = status?.state?.terminated;
  const podFinished =
    phase === 'Succeeded' || phase === 'Failed' || pod.metadata?.deletionTimestamp !== undefined;
  const willRestart = terminated
    ? restartPolicy === 'Always' || (restartPolicy === 'OnFailure' && terminated.exitCode !== 0)
    : true;
  const isInit = (pod.spec?.initContainers ?? []).some((candidate) => candidate.name === container);
  const initDone = isInit && terminated?.exitCode === 0;
  const mayProduceMore = !podFinished && !initDone && (terminated === undefined || willRestart);
  const endReason = terminated
    ? `exited with code ${terminated.exitCode}${terminated.reason ? ` (${terminated.reason})` : ''}`
    : podFinished
      ? `pod ${phase === undefined ? 'is terminating' : phase.toLowerCase()}`
      : undefined;
  return {
    podUid: pod.metadata?.uid,
    containerId: status?.containerID,
    restartCount: status?.restartCount ?? 0,
    mayProduceMore,
    endReason,
  };
}

/**
 * `pods`, the session's watch cache, answers the follower's frequent restart checks without a
 * request; pods outside it (another namespace than the cache's) are read from the API server.
 */
export function apiLogTransport(
  kubeConfig: KubeConfig,
  target: LogTarget,
  pods?: WatchCache<V1Pod>,
): LogTransport {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  return {
    open: (request, signal) =>
      openApiStream(
        kubeConfig,
        logPath(target, request),
        `read the log of ${target.namespace}/${target.pod} (${target.container})`,
        signal,
      ),
    async containerState() {
      const cached = pods?.get(target.namespace, target.pod);
      if (cached) return containerStateOf(cached, target.container);
      try {
        return containerStateOf(
          await core.readNamespacedPod({ name: target.pod, namespace: target.namespace }),
          target.container,
        );
      } catch (error) {
        const translated = toKubeMlError(error, `read pod ${target.namespace}/${target.pod}`);
        if (translated.kind === 'notFound') return undefined;
        throw translated;
      }
    },
  };
}

export type FollowState = 'connecting' | 'following' | 'reconnecting' | 'reconnected' | 'ended';

export interface FollowStatus {
  readonly state: FollowState;
  /** What the user should read, e.g. "Connection lost (ECONNRESET); reconnecting in 1 s…". */
  readonly message: string;
}

export interface FollowHandlers {
  onLines(lines: TimestampedLine[]): void;
  onStatus(status: FollowStatus): void;
}

export interface FollowOptions {
  /** Keep the stream open for new lines (false: read what exists and stop). */
  readonly follow: boolean;
  /** Lines to start with from the end of the existing log (undefined: the whole log). */
  readonly initialTailLines?: number;
  readonly previous?: boolean;
  /** Reconnect delays grow from this to maxBackoffMs. */
  readonly backoffMs?: number;
  readonly maxBackoffMs?: number;
  /**
   * While following, how often to check that the stream's container instance still runs (default
   * 3000 ms). A kubelet ends the stream when the container dies, but a stream can outlive the
   * instance (a half-open connection, or a runtime that keeps it open across a restart or the
   * pod's deletion, as the sandbox's kwok does): the follower then cuts it and resumes through
   * the restart path, or ends when the pod is gone.
   */
  readonly restartCheckMs?: number;
  /**
   * The pod instance to follow (metadata.uid; default: the one found first). A pod recreated
   * under the same name is another pod: its log is not this one's continuation.
   */
  readonly podUid?: string;
}

/**
 * Follows one container. Every line is delivered once, in order: on reconnect it asks for
 * sinceTime = the second of the last delivered line and drops the overlap; after a container
 * restart it first drains the previous instance's log, so nothing written just before the
 * crash is lost.
 */
export class LogFollower implements Disposable {
  private readonly abort = new AbortController();
  private readonly dedup = new ResumeDeduplicator();
  private current: { destroy(error?: Error): void } | undefined;
  private deliveredCount = 0;
  private finished: Promise<void> | undefined;
  /** What a reconnect recovered from, until the resumed stream shows how it joined the log. */
  private joinUnreported: string | undefined;

  constructor(
    private readonly transport: LogTransport,
    private readonly handlers: FollowHandlers,
    private readonly options: FollowOptions,
  ) {}

  get linesDelivered(): number {
    return this.deliveredCount;
  }

  /** Starts (once) and resolves when the log ended for good or the follower was disposed. */
  start(): Promise<void> {
    this.finished ??= this.run();
    return this.finished;
  }

  /** Cuts the current connection as a network failure would; the follower reconnects. */
  dropConnection(): void {
    this.current?.destroy(new Error('connection dropped'));
  }

  dispose(): void {
    this.abort.abort();
    this.current?.destroy();
  }

  private get disposed(): boolean {
    return this.abort.signal.aborted;
  }

  private status(state: FollowState, message: string): void {
    if (!this.disposed) this.handlers.onStatus({ state, message });
  }

  private async run(): Promise<void> {
    const previous = this.options.previous ?? false;
    let connections = 0;
    let failures = 0;
    let denials = 0;
    let instanceSeen: ContainerState | undefined;
    let podUid = this.options.podUid;
    let lastProblem = '';
    this.status('connecting', 'Connecting…');
    while (!this.disposed) {
      this.joinUnreported = undefined;
      try {
        const state = await this.transport.containerState();
        if (!state || replaced(state, podUid)) {
          this.status(
            'ended',
            state ? POD_REPLACED : connections === 0 ? 'The pod does not exist.' : POD_DELETED,
          );
          return;
        }
        podUid ??= state.podUid;
        let restartJoin: ResumeJoin | undefined;
        if (
          !previous &&
          instanceSeen &&
          restartedSince(instanceSeen, state) &&
          this.dedup.sinceTime()
        ) {
          // The container restarted while we were away: the rest of the old instance's log
          // is only reachable as "previous".
          await this.readOnce({ follow: false, previous: true, sinceTime: this.dedup.sinceTime() });
          restartJoin = this.dedup.join;
        }
        instanceSeen = state;
        const follow = this.options.follow && !previous && state.mayProduceMore;
        this.dedup.beginResume();
        const since = this.dedup.sinceTime();
        const response = await this.transport.open(
          {
            follow,
            previous,
            sinceTime: since,
            tailLines: since ? undefined : this.options.initialTailLines,
          },
          this.abort.signal,
        );
        if (connections > 0) this.reportReconnect(lastProblem, restartJoin);
        else this.status('following', follow ? 'Following live.' : 'Showing the log as it is.');
        connections++;
        failures = 0;
        denials = 0;
        const instanceCheck = follow ? this.cutWhenInstanceEnds(state) : undefined;
        const cutProblem = await this.consume(response);
        const cut = instanceCheck?.stop() ?? false;
        const problem = cut ? 'the container restarted' : cutProblem;
        if (this.disposed) return;
        if (!follow) {
          this.status(
            'ended',
            state.endReason
              ? `The container ${state.endReason}; the log ends here.`
              : 'End of log.',
          );
          return;
        }
        const after = await this.transport.containerState();
        if (!after || replaced(after, podUid)) {
          this.status('ended', after ? POD_REPLACED : POD_DELETED);
          return;
        }
        if (!after.mayProduceMore && after.restartCount === state.restartCount && !problem) {
          // Drain lines written between our last read and the exit, then stop.
          await this.readOnce({
            follow: false,
            previous: false,
            sinceTime: this.dedup.sinceTime(),
          });
          this.status('ended', `The container ${after.endReason ?? 'stopped'}; the log ends here.`);
          return;
        }
        lastProblem =
          problem ??
          (restartedSince(state, after)
            ? 'the container restarted'
            : 'the server closed the stream');
        this.status('reconnecting', `${capitalise(lastProblem)}; reconnecting…`);
      } catch (error) {
        if (this.disposed) return;
        const translated = toKubeMlError(error, 'follow the log');
        const denied = isDenial(translated);
        // A restarted API server denies requests until its authorizer has loaded the RBAC rules:
        // after an outage, a stream that was allowed before is retried a few times on a denial.
        if (
          denied &&
          !(connections > 0 && failures > 0 && denials++ < DENIALS_RETRIED_AFTER_OUTAGE)
        ) {
          this.status('ended', translated.message);
          return;
        }
        failures++;
        lastProblem = translated.summary;
        const delay = this.backoff(failures);
        this.status(
          'reconnecting',
          `${translated.summary} Reconnecting in ${Math.ceil(delay / 1000)} s…`,
        );
        await this.sleep(delay);
        continue;
      }
      await this.sleep(this.backoff(1));
    }
  }

  /**
   * Cuts the live stream once the container instance it reads from is over: the pod was deleted
   * or replaced, or the container restarted (a new restartCount or containerID). stop() says
   * whether it cut.
   */
  private cutWhenInstanceEnds(seen: ContainerState): { stop(): boolean } {
    let cut = false;
    let checking = false;
    let stopped = false;
    const timer = setInterval(() => {
      if (checking || cut) return;
      checking = true;
      this.transport
        .containerState()
        .then(
          (state) => {
            if (!stopped && instanceEnded(seen, state)) {
              cut = true;
              this.current?.destroy();
            }
          },
          () =>
            undefined /* a failed check changes nothing: the stream itself reports real trouble */,
        )
        .finally(() => (checking = false));
    }, this.options.restartCheckMs ?? 3000);
    return {
      stop: () => {
        stopped = true;
        clearInterval(timer);
        return cut;
      },
    };
  }

  /**
   * Says the follower reconnected, and whether the resumed stream proved that nothing was lost:
   * `restartJoin` is how the previous instance's log joined after a restart; otherwise the
   * verdict waits for the resumed stream's first lines (see deliver).
   */
  private reportReconnect(problem: string, restartJoin: ResumeJoin | undefined): void {
    const reconnected = `Reconnected${problem ? ` after: ${problem}` : ''}`;
    const join = restartJoin ?? this.dedup.join;
    if (join.kind === 'pending' && !restartJoin) {
      this.joinUnreported = problem;
      this.status('reconnected', `${reconnected}.`);
      return;
    }
    this.joinUnreported = undefined;
    this.status(
      'reconnected',
      `${reconnected}; ${describeJoin(join, this.dedup.lastDeliveredTimestamp)}`,
    );
  }

  private backoff(failures: number): number {
    return backoffDelay(
      { initialMs: this.options.backoffMs ?? 250, maxMs: this.options.maxBackoffMs ?? 5000 },
      failures - 1,
    );
  }

  private async readOnce(request: LogRequest): Promise<void> {
    this.dedup.beginResume();
    try {
      await this.consume(await this.transport.open(request, this.abort.signal));
    } catch (error) {
      // No previous instance (400) or already gone: nothing left to drain.
      const translated = toKubeMlError(error, 'read the rest of the log');
      if (
        translated.kind !== 'unknown' &&
        translated.kind !== 'notFound' &&
        translated.kind !== 'invalidInput'
      )
        throw translated;
    }
  }

  /** Reads a response to its end; resolves with a description when it broke rather than ended. */
  private consume(
    response: NodeJS.ReadableStream & { destroy(error?: Error): void },
  ): Promise<string | undefined> {
    this.current = response;
    const splitter = new LineSplitter();
    return new Promise<string | undefined>((resolve) => {
      let settled = false;
      const finish = (problem: string | undefined) => {
        if (settled) return;
        settled = true;
        const rest = splitter.flush();
        // A line cut by a dropped connection is re-read after resuming; keep only complete lines.
        if (rest !== undefined && problem === undefined) this.deliver([rest]);
        this.current = undefined;
        resolve(problem);
      };
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => this.deliver(splitter.push(chunk)));
      response.on('end', () => finish(undefined));
      response.on('error', (error: Error & { code?: string }) =>
        finish(`connection lost (${error.code ?? error.message})`),
      );
      response.on('close', () => finish(this.disposed ? undefined : 'connection closed'));
    });
  }

  private deliver(rawLines: string[]): void {
    if (rawLines.length === 0 || this.disposed) return;
    const accepted: TimestampedLine[] = [];
    for (const raw of rawLines) {
      const line = parseTimestampedLine(raw);
      if (this.dedup.accept(line)) accepted.push(line);
    }
    if (this.joinUnreported !== undefined && this.dedup.join.kind !== 'pending')
      this.reportReconnect(this.joinUnreported, undefined);
    if (accepted.length > 0) {
      this.deliveredCount += accepted.length;
      this.handlers.onLines(accepted);
    }
  }

  /** Waits `ms`, less if the follower is disposed meanwhile. */
  private async sleep(ms: number): Promise<void> {
    await wait(ms, undefined, { signal: this.abort.signal }).catch(() => undefined);
  }
}

const POD_DELETED = 'The pod was deleted; the log ends here.';

const POD_REPLACED =
  'The pod was deleted and a new pod of the same name took its place; the log of the old one ends here.';

/** The pod of that name is no longer the one followed (uid `podUid`). */
function replaced(state: ContainerState, podUid: string | undefined): boolean {
  return podUid !== undefined && state.podUid !== undefined && state.podUid !== podUid;
}

/** The container of the same pod runs a new instance: a higher restartCount or another containerID. */
function restartedSince(seen: ContainerState, now: ContainerState): boolean {
  return (
    now.restartCount > seen.restartCount ||
    (seen.containerId !== undefined &&
      now.containerId !== undefined &&
      now.containerId !== seen.containerId)
  );
}

/** The container instance `seen` describes is over (`now` is the latest state, undefined when the pod is gone). */
function instanceEnded(seen: ContainerState, now: ContainerState | undefined): boolean {
  return !now || replaced(now, seen.podUid) || restartedSince(seen, now);
}

function describeJoin(join: ResumeJoin, lastDelivered: string | undefined): string {
  switch (join.kind) {
    case 'seamless':
      return 'no lines lost or repeated (the log went on right after the last line shown).';
    case 'gap':
      return `the log went on at ${timeOfDay(join.resumedAt)} without repeating the last line shown (${timeOfDay(join.lastDelivered)}): lines written in between may be missing.`;
    case 'pending':
      return `the end of the previous instance's log could not be read: lines it wrote after ${lastDelivered ? timeOfDay(lastDelivered) : 'the last line shown'} may be missing.`;
  }
}

function timeOfDay(timestamp: string): string {
  return `${floorToSecond(timestamp).slice(11, 19)} UTC`;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
