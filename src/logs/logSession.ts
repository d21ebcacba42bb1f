/**
 * One log viewer's data side: follows every pod of a workload (one LogFollower per pod), merges
 * their lines, keeps the last maxLines for the view, spools everything to a file for Save,
 * parses training metrics, and sends the view batched, typed messages. No vscode import, so
 * cluster tests and the benchmark drive it directly.
 */
import type { KubeConfig, V1Pod } from '@kubernetes/client-node';
import { apiLogTransport, LogFollower, type FollowStatus } from '../cluster/logs/logStream';
import type { Disposable, WatchCache } from '../cluster/session';
import { podIdentity, podTargetOf } from '../cluster/podResolver';
import type { WorkloadRef } from '../cluster/workloadRef';
import { KubeMlError, toKubeMlError } from '../cluster/errors';
import { LogSpool } from './logSpool';
import { Batcher } from './model/batcher';
import { resolveCarriageReturns } from '../cluster/logs/carriageReturn';
import { RingBuffer } from './model/ringBuffer';
import { TrainingMetricsParser, type MetricSample } from '../cluster/logs/trainingMetrics';
import type { TimestampedLine } from '../cluster/logs/logLine';
import { matchesSelector, podSelectorOf, resolveWorkloadPods } from '../cluster/workloadPods';
import type {
  ContainerChoice,
  FollowStateName,
  HostToView,
  LogSource,
  WireLine,
} from '../webviews/logs/protocol';
import type { Log } from '../cluster/log';

export interface LogSessionOptions {
  readonly kubeConfig: KubeConfig;
  readonly workload: WorkloadRef;
  readonly maxLines: number;
  /** Every streamed line is appended to files starting with this path (the ring buffer keeps only maxLines). */
  readonly spoolPath: string;
  /** Disk the spool may use (DEFAULT_SPOOL_BYTES when omitted). */
  readonly maxSpoolBytes?: number;
  readonly post: (message: HostToView) => void;
  /** Lets the session pick up pods created later (a Deployment scaling up, a Job retrying). */
  readonly pods?: WatchCache<V1Pod>;
  readonly batchMs?: number;
  readonly follow?: boolean;
  /** Lines each pod starts with (undefined: its whole log). */
  readonly initialTailLines?: number;
  readonly log?: Log;
}

const MAX_METRIC_SAMPLES = 100_000;
const REPLAY_CHUNK = 5000;
/** Text one message to the view may carry: a flood shows its newest lines, the spool keeps all. */
const MAX_BATCH_CHARS = 8 * 1024 * 1024;

export function containerChoices(pods: readonly V1Pod[]): ContainerChoice[] {
  const choices = new Map<string, ContainerChoice>();
  for (const pod of pods) {
    const statuses = [
      ...(pod.status?.initContainerStatuses ?? []),
      ...(pod.status?.containerStatuses ?? []),
    ];
    const restarted = (name: string) =>
      statuses.some(
        (status) =>
          status.name === name &&
          (status.restartCount > 0 || status.lastState?.terminated !== undefined),
      );
    for (const container of pod.spec?.initContainers ?? []) {
      const existing = choices.get(container.name);
      choices.set(container.name, {
        name: container.name,
        kind: 'init',
        hasPrevious: (existing?.hasPrevious ?? false) || restarted(container.name),
      });
    }
    for (const container of pod.spec?.containers ?? []) {
      const existing = choices.get(container.name);
      choices.set(container.name, {
        name: container.name,
        kind: 'main',
        hasPrevious: (existing?.hasPrevious ?? false) || restarted(container.name),
      });
    }
  }
  return [...choices.values()].sort((left, right) =>
    left.kind === right.kind ? 0 : left.kind === 'init' ? -1 : 1,
  );
}

interface Follow {
  readonly source: LogSource;
  /** Which source the lines belong to (WireLine.s). */
  readonly sourceIndex: number;
  /** The pod instance followed: a pod recreated under the same name (dev pod Stop + Resume) has a new uid. */
  readonly podUid: string | undefined;
  readonly follower: LogFollower;
  status: FollowStatus;
}

export class LogSession implements Disposable {
  private readonly buffer: RingBuffer<WireLine>;
  private readonly metrics = new RingBuffer<MetricSample>(MAX_METRIC_SAMPLES);
  private readonly follows = new Map<string, Follow>();
  /** Followers of pods replaced under the same name, reading what their streams still hold. */
  private readonly replacedFollowers = new Set<LogFollower>();
  /** The latest progress-bar redraw of each source (kept out of the ring buffer). */
  private readonly progress = new Map<number, WireLine>();
  private readonly lineBatch: Batcher<WireLine>;
  private readonly metricBatch: Batcher<MetricSample>;
  private spool: LogSpool | undefined;
  private spooledLines = 0;
  private metricsParser = new TrainingMetricsParser();
  private metricsSource: string | undefined;
  private containers: ContainerChoice[] = [];
  private container = '';
  private previous = false;
  private selector: string | undefined;
  private podWatch: Disposable | undefined;
  private generation = 0;
  private disposed = false;
  private title: string;

  constructor(private readonly options: LogSessionOptions) {
    this.buffer = new RingBuffer<WireLine>(options.maxLines);
    const batchMs = options.batchMs ?? 75;
    this.lineBatch = new Batcher(
      batchMs,
      (lines) => this.options.post({ type: 'lines', lines, dropped: this.buffer.dropped }),
      { maxItems: options.maxLines, maxCost: MAX_BATCH_CHARS, cost: (line) => line.x.length },
    );
    this.metricBatch = new Batcher(batchMs, (samples) =>
      this.options.post({ type: 'metrics', samples }),
    );
    const workload = options.workload;
    this.title = `Logs: ${workload.kind === 'Pod' || workload.kind === 'DevPod' ? '' : `${workload.kind} `}${workload.namespace}/${workload.name}`;
  }

  get viewTitle(): string {
    return this.title;
  }

  /** Lines streamed so far (all of them, not only those still in memory). */
  get totalLines(): number {
    return this.spooledLines;
  }

  get heldLines(): number {
    return this.buffer.size;
  }

  get metricSamples(): readonly MetricSample[] {
    return this.metrics.toArray();
  }

  /** Current follow states, by "pod/container". */
  statuses(): Map<string, FollowStatus> {
    return new Map([...this.follows].map(([key, follow]) => [key, follow.status]));
  }

  /** Resolves the pods and starts following them; rejects with a KubeMlError when there are none. */
  async start(): Promise<void> {
    const pods = await resolveWorkloadPods(this.options.kubeConfig, this.options.workload);
    if (pods.length === 0) {
      throw toKubeMlError(
        new Error(
          `no pods match ${this.options.workload.podSelector ?? this.options.workload.name} yet`,
        ),
        `show logs of ${this.options.workload.kind} ${this.options.workload.namespace}/${this.options.workload.name}`,
      );
    }
    this.selector = await podSelectorOf(this.options.kubeConfig, this.options.workload);
    this.containers = containerChoices(pods);
    const firstPod = pods[0];
    const preferred = this.options.workload.container;
    this.container =
      preferred && this.containers.some((choice) => choice.name === preferred)
        ? preferred
        : (firstPod.spec?.containers?.[0]?.name ?? this.containers[0]?.name ?? '');
    this.begin(pods);
    const belongs = await this.belongsToWorkload();
    if (this.options.pods && belongs && !this.disposed) {
      this.podWatch = this.options.pods.onDidChange((change) => {
        const fresh = [...change.added, ...change.updated].filter(
          (pod) =>
            pod.metadata?.namespace === this.options.workload.namespace &&
            pod.status?.phase !== 'Pending',
        );
        for (const pod of fresh) void this.followIfOwn(pod, belongs, this.generation);
      });
    }
  }

  /** Everything the view needs after it (re)loads: hidden-then-shown panels rebuild from this. */
  replay(): void {
    // The buffers below already hold what the batches have not sent yet: sending both would show
    // those lines twice.
    this.lineBatch.discardPending();
    this.metricBatch.discardPending();
    this.options.post({ type: 'reset' });
    this.options.post(this.initMessage());
    this.options.post({
      type: 'sources',
      sources: [...this.follows.values()].map((follow) => follow.source),
    });
    const lines = [...this.buffer.toArray(), ...this.progress.values()];
    for (let start = 0; start < lines.length; start += REPLAY_CHUNK) {
      this.options.post({
        type: 'lines',
        lines: lines.slice(start, start + REPLAY_CHUNK),
        dropped: this.buffer.dropped,
      });
    }
    if (this.metrics.size > 0)
      this.options.post({ type: 'metrics', samples: this.metrics.toArray() });
    for (const [key, follow] of this.follows) this.postStatus(key, follow.status);
  }

  /** Switches every pod to another container (or its previous instance); starts a fresh view. */
  async selectContainer(container: string, previous: boolean): Promise<void> {
    if (!this.containers.some((choice) => choice.name === container)) return;
    this.container = container;
    this.previous = previous;
    const pods = await resolveWorkloadPods(this.options.kubeConfig, this.options.workload);
    this.begin(pods);
  }

  /** Copies everything streamed since the last (re)start to `target`. */
  async saveTo(target: string): Promise<number> {
    if (!this.spool)
      throw new KubeMlError(
        'notFound',
        'This log view has no lines to save yet.',
        'Wait for the log to load, then save again.',
      );
    return (await this.spool.saveTo(target)).lines;
  }

  dispose(): void {
    this.disposed = true;
    this.stopFollowing();
    this.podWatch?.dispose();
    this.lineBatch.dispose();
    this.metricBatch.dispose();
    this.spool?.dispose();
    this.spool = undefined;
  }

  /**
   * Which pods the watch adds: a single pod's or dev pod's namesake when it is recreated, else the
   * selector's pods that the workload's controller owns (anyone may copy its labels).
   */
  private async belongsToWorkload(): Promise<((pod: V1Pod) => Promise<boolean>) | undefined> {
    const { selector } = this;
    const workload = this.options.workload;
    if (
      workload.kind === 'Node' ||
      (workload.kind !== 'Pod' && workload.kind !== 'DevPod' && !selector)
    )
      return undefined;
    const isOwn = await podIdentity(this.options.kubeConfig, podTargetOf(workload));
    return async (pod) =>
      (selector === undefined || matchesSelector(selector, pod.metadata?.labels)) && isOwn(pod);
  }

  private async followIfOwn(
    pod: V1Pod,
    belongs: (pod: V1Pod) => Promise<boolean>,
    generation: number,
  ): Promise<void> {
    try {
      if (await belongs(pod)) this.followPod(pod, generation);
    } catch (error) {
      this.options.log?.debug(
        `Logs ${this.options.workload.namespace}/${pod.metadata?.name}: cannot tell whose pod it is: ${toKubeMlError(error, "check the pod's owner").message}`,
      );
    }
  }

  private initMessage(): HostToView {
    return {
      type: 'init',
      title: this.title,
      maxLines: this.options.maxLines,
      containers: this.containers,
      container: this.container,
      previous: this.previous,
      streamsDistinguishable: false,
    };
  }

  private stopFollowing(): void {
    for (const follow of this.follows.values()) follow.follower.dispose();
    this.follows.clear();
    for (const follower of this.replacedFollowers) follower.dispose();
    this.replacedFollowers.clear();
  }

  private begin(pods: readonly V1Pod[]): void {
    this.generation++;
    this.stopFollowing();
    this.lineBatch.dispose();
    this.metricBatch.dispose();
    this.buffer.clear();
    this.progress.clear();
    this.metrics.clear();
    this.metricsParser = new TrainingMetricsParser();
    this.metricsSource = undefined;
    this.spool?.dispose();
    // Each start gets its own files: the previous spool deletes its own once closed.
    this.spool = new LogSpool(
      `${this.options.spoolPath}.${this.generation}`,
      (error) => this.options.log?.debug(`Log spool ${this.options.spoolPath}: ${error.message}`),
      this.options.maxSpoolBytes,
    );
    this.spooledLines = 0;
    this.options.post({ type: 'reset' });
    this.options.post(this.initMessage());
    for (const pod of pods) this.followPod(pod, this.generation);
  }

  /**
   * Follows `pod` unless it is followed already. A new pod under a followed name (the old one was
   * deleted: dev pod Stop + Resume) takes over its source; the old follower is left to read what
   * its stream still holds and ends by itself, without a say in the source's status.
   */
  private followPod(pod: V1Pod, generation: number): void {
    const name = pod.metadata?.name;
    if (!name || this.disposed || generation !== this.generation) return;
    const hasContainer = [
      ...(pod.spec?.initContainers ?? []),
      ...(pod.spec?.containers ?? []),
    ].some((container) => container.name === this.container);
    const key = `${name}/${this.container}`;
    const podUid = pod.metadata?.uid;
    const existing = this.follows.get(key);
    if (!hasContainer || (existing && existing.podUid === podUid)) return;
    const sourceIndex = existing?.sourceIndex ?? this.follows.size;
    const source: LogSource = existing?.source ?? {
      pod: name,
      container: this.container,
      colour: sourceIndex,
    };
    // Metrics come from the first pod only: the ranks of a distributed job log the same steps.
    this.metricsSource ??= key;
    const follower = new LogFollower(
      apiLogTransport(
        this.options.kubeConfig,
        { namespace: this.options.workload.namespace, pod: name, container: this.container },
        this.options.pods,
      ),
      {
        onLines: (lines) => generation === this.generation && this.ingest(sourceIndex, key, lines),
        onStatus: (status) => {
          if (generation !== this.generation || this.follows.get(key) !== follow) return;
          follow.status = status;
          this.options.log?.debug(
            `Logs ${this.options.workload.namespace}/${key}: ${status.state}: ${status.message}`,
          );
          this.postStatus(key, status);
        },
      },
      // The whole log of a replacement: every line of it is new to the view.
      {
        follow: this.options.follow ?? true,
        previous: this.previous,
        initialTailLines: existing ? undefined : this.options.initialTailLines,
        podUid,
      },
    );
    const follow: Follow = {
      source,
      sourceIndex,
      podUid,
      follower,
      status: { state: 'connecting', message: 'Connecting…' },
    };
    this.follows.set(key, follow);
    if (existing) this.retire(existing.follower);
    else
      this.options.post({
        type: 'sources',
        sources: [...this.follows.values()].map((entry) => entry.source),
      });
    void follower.start();
  }

  /** Lets the follower of a replaced pod finish by itself (it ends once it sees the new uid). */
  private retire(follower: LogFollower): void {
    this.replacedFollowers.add(follower);
    void follower.start().finally(() => this.replacedFollowers.delete(follower));
  }

  private postStatus(source: string, status: FollowStatus): void {
    const state: FollowStateName = status.state;
    this.lineBatch.flush();
    this.options.post({ type: 'status', source, state, message: status.message });
  }

  private ingest(sourceIndex: number, key: string, lines: readonly TimestampedLine[]): void {
    const parseMetrics = key === this.metricsSource;
    let spoolText = '';
    const pod = this.follows.get(key)?.source.pod ?? key;
    for (const line of lines) {
      if (parseMetrics) {
        for (const sample of this.metricsParser.pushAll(line.text)) {
          this.metrics.push(sample);
          this.metricBatch.add(sample);
        }
      }
      const text = resolveCarriageReturns(line.text);
      if (line.text.startsWith('\r')) {
        const wire: WireLine = { t: line.timestamp, s: sourceIndex, x: text, p: true };
        this.progress.set(sourceIndex, wire);
        this.lineBatch.add(wire);
      } else {
        const wire: WireLine = { t: line.timestamp, s: sourceIndex, x: text };
        this.buffer.push(wire);
        this.lineBatch.add(wire);
      }
      spoolText += `${line.timestamp} ${pod} ${text}\n`;
    }
    this.spooledLines += lines.length;
    this.spool?.write(spoolText, lines.length);
  }
}
