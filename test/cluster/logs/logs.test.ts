import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import {
  apiLogTransport,
  LogFollower,
  type FollowStatus,
} from '../../../src/cluster/logs/logStream';
import { KubeWatchCache } from '../../../src/cluster/watchCache';
import { podSource } from '../../../src/cluster/watchSources';
import { LogSession } from '../../../src/logs/logSession';
import { resolveCarriageReturns } from '../../../src/cluster/logs/carriageReturn';
import {
  TrainingMetricsParser,
  type MetricSample,
} from '../../../src/cluster/logs/trainingMetrics';
import type { TimestampedLine } from '../../../src/cluster/logs/logLine';
import type { HostToView } from '../../../src/webviews/logs/protocol';
import { DEV_POD_LABEL, devPodSelector } from '../../../src/cluster/devPodContract';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE } from '../../../src/cluster/workloadRef';
import { deletePodAndWait } from '../testPods';
import { createTestNamespace, deleteTestNamespace, sandboxKubeConfig, waitFor } from '../sandbox';
import { createTrainingPod, readFullLog } from '../trainingPods';

describe('log streaming against the sandbox', function () {
  this.timeout(120_000);
  let namespace: string;
  const disposables: { dispose(): void }[] = [];

  before(async () => {
    namespace = await createTestNamespace('obs-logs');
    // The pods of one workload: controlled by an object we manage, as a Job's or a Deployment's are.
    const controller = await sandboxKubeConfig('admin')
      .makeApiClient(k8s.CoreV1Api)
      .createNamespacedConfigMap({
        namespace,
        body: { metadata: { name: 'r1', labels: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE } } },
      });
    const owner = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      name: 'r1',
      uid: controller.metadata?.uid ?? '',
      controller: true,
    };
    await Promise.all([
      createTrainingPod(namespace, 'trainer-0', 1, { run: 'r1' }, undefined, owner),
      createTrainingPod(namespace, 'trainer-1', 0, { run: 'r1' }, undefined, owner),
    ]);
  });
  afterEach(() => disposables.splice(0).forEach((disposable) => disposable.dispose()));
  after(async () => {
    if (namespace) await deleteTestNamespace(namespace);
  });

  function follow(
    pod: string,
    options: { follow: boolean; previous?: boolean; restartCheckMs?: number } = { follow: true },
  ) {
    const lines: TimestampedLine[] = [];
    const statuses: FollowStatus[] = [];
    const follower = new LogFollower(
      apiLogTransport(sandboxKubeConfig('developer'), { namespace, pod, container: 'trainer' }),
      { onLines: (batch) => lines.push(...batch), onStatus: (status) => statuses.push(status) },
      { ...options, backoffMs: 100 },
    );
    disposables.push(follower);
    const done = follower.start();
    return { follower, lines, statuses, done };
  }

  it('follows new lines as the pod writes them', async () => {
    const { lines, statuses } = follow('trainer-0');
    const initial = await waitFor(
      () => (lines.length >= 5 ? lines.length : 0),
      15_000,
      'the existing log',
    );
    await waitFor(() => lines.length > initial + 2, 15_000, 'new lines after the initial read');
    assert.ok(statuses.some((status) => status.state === 'following'));
    assert.ok(
      lines.every((line) => /^\d{4}-\d{2}-\d{2}T/.test(line.timestamp)),
      'every line carries its timestamp',
    );
  });

  it('resumes after forced disconnects without losing or repeating a line', async () => {
    const { follower, lines, statuses } = follow('trainer-0');
    await waitFor(() => lines.length >= 10, 15_000, 'first lines');
    for (let drop = 0; drop < 3; drop++) {
      const before = lines.length;
      follower.dropConnection();
      await waitFor(
        () => statuses.filter((status) => status.state === 'reconnected').length > drop,
        15_000,
        `reconnect ${drop + 1}`,
      );
      await waitFor(() => lines.length > before + 1, 15_000, `lines after reconnect ${drop + 1}`);
    }
    follower.dispose();
    assert.ok(
      statuses.some((status) => status.state === 'reconnecting'),
      'the user was told it reconnects',
    );
    assert.ok(
      statuses.some(
        (status) =>
          status.state === 'reconnected' && /no lines lost or repeated/.test(status.message),
      ),
      'the server repeated the last line shown, which proves the join',
    );
    const full = await readFullLog(namespace, 'trainer-0', 'trainer');
    const delivered = lines.map((line) => `${line.timestamp} ${line.text}`);
    assert.ok(full.length >= delivered.length);
    assert.deepEqual(
      delivered,
      full.slice(0, delivered.length),
      'the followed lines are exactly the start of the full log',
    );
  });

  it('follows across a container restart: the rest of the old instance, then the new one, each line once', async () => {
    // The sandbox agent restarts the container on this annotation (docs/SANDBOX.md): the old log
    // ends with "Killed" and becomes the previous log, a fresh log starts, restartCount + 1.
    await createTrainingPod(namespace, 'restarter', 0);
    const core = sandboxKubeConfig('admin').makeApiClient(k8s.CoreV1Api);
    const lines: TimestampedLine[] = [];
    const statuses: FollowStatus[] = [];
    const follower = new LogFollower(
      apiLogTransport(sandboxKubeConfig('developer'), {
        namespace,
        pod: 'restarter',
        container: 'trainer',
      }),
      { onLines: (batch) => lines.push(...batch), onStatus: (status) => statuses.push(status) },
      { follow: true, backoffMs: 100, restartCheckMs: 500 },
    );
    disposables.push(follower);
    void follower.start();
    await waitFor(() => lines.length >= 15, 20_000, 'lines of the first instance');
    await core.patchNamespacedPod({
      name: 'restarter',
      namespace,
      body: [
        {
          op: 'add',
          path: '/metadata/annotations/sandbox.kube-ml.dev~1restart-container',
          value: 'trainer@1',
        },
      ],
    });
    const restarted = await waitFor(
      async () => {
        const pod = await core.readNamespacedPod({ name: 'restarter', namespace });
        const status = pod.status?.containerStatuses?.find(
          (candidate) => candidate.name === 'trainer',
        );
        return status?.restartCount === 1 ? status : undefined;
      },
      15_000,
      'restartCount 1',
    );
    assert.equal(restarted.lastState?.terminated?.exitCode, 137);
    assert.ok(restarted.state?.running?.startedAt, 'the new instance is running');
    await waitFor(
      () =>
        statuses.some(
          (status) => status.state === 'reconnected' && /restarted/.test(status.message),
        ),
      15_000,
      'the follower reporting the restart',
    );
    await waitFor(
      () => {
        const killedAt = lines.findIndex((line) => line.text === 'Killed');
        return killedAt >= 0 && lines.length > killedAt + 15;
      },
      20_000,
      'lines of the new instance',
    );
    follower.dispose();

    const read = async (previous: boolean) =>
      (
        await core.readNamespacedPodLog({
          name: 'restarter',
          namespace,
          container: 'trainer',
          timestamps: true,
          previous,
        })
      )
        .split('\n')
        .filter(Boolean);
    const [oldInstance, newInstance] = [await read(true), await read(false)];
    assert.equal(
      oldInstance[oldInstance.length - 1].endsWith(' Killed'),
      true,
      'the previous log is the killed instance',
    );
    const delivered = lines.map((line) => `${line.timestamp} ${line.text}`);
    assert.deepEqual(
      delivered.slice(0, oldInstance.length),
      oldInstance,
      'the whole old instance, in order, once',
    );
    const fromNew = delivered.slice(oldInstance.length);
    assert.ok(
      fromNew.length > 10 && newInstance.length >= fromNew.length,
      `${fromNew.length} lines of the new instance, ${newInstance.length} in its log`,
    );
    assert.deepEqual(
      fromNew,
      newInstance.slice(0, fromNew.length),
      'then the new instance from its first line, with no gap or repeat',
    );
    assert.ok(
      statuses.some(
        (status) => status.state === 'reconnecting' && /restarted/.test(status.message),
      ),
      statuses.map((status) => status.message).join('\n'),
    );
  });

  it('ends a follow whose pod was deleted and recreated under the same name (restartCount 0), which kwok keeps streaming', async () => {
    await createTrainingPod(namespace, 'recreated', 0);
    const { lines, statuses, done } = follow('recreated', { follow: true, restartCheckMs: 500 });
    await waitFor(() => lines.length >= 5, 20_000, 'lines of the first pod');
    await deletePodAndWait(namespace, 'recreated');
    const replacement = await createTrainingPod(namespace, 'recreated', 0);
    assert.equal(replacement.status?.containerStatuses?.[0].restartCount, 0);
    await waitFor(
      () => statuses.some((status) => status.state === 'ended'),
      20_000,
      `the follower to notice; statuses: ${statuses.map((status) => status.message).join(' | ')}`,
    );
    await done;
    assert.match(
      statuses[statuses.length - 1].message,
      /^The pod was deleted; the log ends here\.$|a new pod of the same name took its place/,
    );
    const fromReplacement = await readFullLog(namespace, 'recreated', 'trainer');
    const replacementStamps = new Set(
      fromReplacement.map((line) => line.slice(0, line.indexOf(' '))),
    );
    assert.ok(
      lines.every((line) => !replacementStamps.has(line.timestamp)),
      "no line of the new pod passed for the old one's",
    );
  });

  it('follows a pod recreated under the same name (dev pod Stop + Resume): every line once, and the status says so', async () => {
    await createTrainingPod(namespace, 'stop-resume', 0, { [DEV_POD_LABEL]: 'stop-resume' });
    const pods = new KubeWatchCache(podSource(sandboxKubeConfig('developer'), namespace));
    disposables.push(pods);
    await pods.ready;
    const messages: HostToView[] = [];
    const spoolPath = path.join(os.tmpdir(), `obs-spool-resume-${Date.now()}.log`);
    const session = new LogSession({
      kubeConfig: sandboxKubeConfig('developer'),
      workload: {
        kind: 'DevPod',
        namespace,
        name: 'stop-resume',
        podSelector: devPodSelector('stop-resume'),
      },
      maxLines: 10_000,
      spoolPath,
      post: (message) => messages.push(message),
      pods,
      batchMs: 50,
    });
    disposables.push(session);
    await session.start();
    // Lines as "<timestamp> <text>", from the saved log ("<timestamp> <pod> <text>") and from the pod's own.
    const delivered = async () => {
      const saved = path.join(os.tmpdir(), `obs-saved-resume-${Date.now()}.log`);
      await session.saveTo(saved);
      const lines = fs
        .readFileSync(saved, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => line.replace(' stop-resume ', ' '));
      fs.rmSync(saved);
      return lines;
    };
    const asShown = (log: string[]) =>
      log.map((line) => {
        const space = line.indexOf(' ');
        return `${line.slice(0, space)} ${resolveCarriageReturns(line.slice(space + 1))}`;
      });
    // Stop: everything the first pod wrote so far is shown before it goes.
    await waitFor(() => session.totalLines >= 5, 20_000, 'lines of the first pod');
    const beforeStop = asShown(await readFullLog(namespace, 'stop-resume', 'trainer'));
    await waitFor(
      async () => (await delivered()).includes(beforeStop[beforeStop.length - 1]),
      20_000,
      "the first pod's log shown to its last line read",
    );
    await deletePodAndWait(namespace, 'stop-resume');
    // Resume: the same name again, a new pod.
    await createTrainingPod(namespace, 'stop-resume', 0, { [DEV_POD_LABEL]: 'stop-resume' });
    const status = () =>
      messages
        .filter((message) => message.type === 'status' && message.source === 'stop-resume/trainer')
        .pop();
    await waitFor(
      async () => {
        const resumed = asShown(await readFullLog(namespace, 'stop-resume', 'trainer'));
        return resumed.length >= 5 && (await delivered()).includes(resumed[4]);
      },
      30_000,
      `lines of the resumed pod; last status: ${JSON.stringify(status())}`,
    );
    const shown = await delivered();
    const resumed = asShown(await readFullLog(namespace, 'stop-resume', 'trainer'));
    const split = shown.indexOf(resumed[0]);
    assert.ok(split > 0, "the resumed pod's first line is shown after the first pod's");
    assert.deepEqual(
      shown.slice(0, beforeStop.length),
      beforeStop,
      "the first pod's lines, in order, once",
    );
    assert.deepEqual(
      shown.slice(split),
      resumed.slice(0, shown.length - split),
      "the resumed pod's lines from its first, with no gap or repeat",
    );
    assert.equal(new Set(shown).size, shown.length, 'no line twice');
    const latest = status();
    assert.deepEqual(latest?.type === 'status' && [latest.state, latest.message], [
      'following',
      'Following live.',
    ]);
    const sources = messages.filter((message) => message.type === 'sources').pop();
    assert.deepEqual(
      sources?.type === 'sources' && sources.sources.map((source) => source.pod),
      ['stop-resume'],
      'one source for the name, as before the Stop',
    );

    // A pod that copies the dev pod's label under another name is not the dev pod.
    await createTrainingPod(namespace, 'look-alike-devpod', 0, { [DEV_POD_LABEL]: 'stop-resume' });
    await waitFor(
      () =>
        pods
          .list()
          .some(
            (pod) => pod.metadata?.name === 'look-alike-devpod' && pod.status?.phase === 'Running',
          ),
      20_000,
      'the watch to see the look-alike running',
    );
    // The session heard the same change; its name check settles within the current tick's microtasks.
    await new Promise((resolve) => setImmediate(resolve));
    const after = messages.filter((message) => message.type === 'sources').pop();
    assert.deepEqual(
      after?.type === 'sources' && after.sources.map((source) => source.pod),
      ['stop-resume'],
      'the look-alike was not followed',
    );
  });

  it('reads the previous container instance', async () => {
    const { lines, statuses, done } = follow('trainer-0', { follow: false, previous: true });
    await done;
    assert.ok(
      lines.some((line) => /CUDA out of memory/.test(line.text)),
      lines.map((line) => line.text).join('\n'),
    );
    assert.equal(statuses[statuses.length - 1].state, 'ended');
  });

  it('parses loss and learning_rate series from the real training log', async () => {
    const { lines } = follow('trainer-0');
    const parser = new TrainingMetricsParser();
    const samples: MetricSample[] = [];
    let parsed = 0;
    await waitFor(
      () => {
        for (; parsed < lines.length; parsed++) samples.push(...parser.pushAll(lines[parsed].text));
        return samples.filter((sample) => sample.values.loss !== undefined).length >= 3;
      },
      20_000,
      'three loss samples',
    );
    const training = samples.filter((sample) => sample.values.loss !== undefined);
    for (const sample of training) {
      assert.ok(sample.values.loss > 0 && sample.values.loss < 10, `loss ${sample.values.loss}`);
      assert.ok(
        sample.values.learning_rate > 0 && sample.values.learning_rate <= 5e-5,
        `lr ${sample.values.learning_rate}`,
      );
      assert.equal(typeof sample.values.grad_norm, 'number');
    }
    const steps = training.map((sample) => sample.step);
    assert.deepEqual(
      steps,
      [...steps].sort((left, right) => left - right),
      'steps increase',
    );
    assert.ok(
      steps[steps.length - 1] > 0 && steps.every((step) => step % 5 === 0),
      `steps come from the progress bar: ${steps.join(',')}`,
    );
  });

  it('merges every pod of a workload, and no look-alike, bounds memory and saves everything streamed', async () => {
    const messages: HostToView[] = [];
    const spoolPath = path.join(os.tmpdir(), `obs-spool-${Date.now()}.log`);
    // Anyone who may create pods can copy the workload's labels: this pod must not join its log.
    await createTrainingPod(namespace, 'look-alike', 0, { run: 'r1' });
    const session = new LogSession({
      kubeConfig: sandboxKubeConfig('developer'),
      workload: {
        kind: 'Deployment',
        namespace,
        name: 'r1',
        podSelector: 'run=r1',
        controller: { apiVersion: 'v1', kind: 'ConfigMap', name: 'r1' },
      },
      maxLines: 1000,
      spoolPath,
      post: (message) => messages.push(message),
      batchMs: 50,
    });
    disposables.push(session);
    await session.start();
    session.replay();
    await waitFor(
      () =>
        session.totalLines > 0 &&
        new Set(
          messages.flatMap((message) =>
            message.type === 'lines' ? message.lines.map((line) => line.s) : [],
          ),
        ).size === 2,
      20_000,
      'lines from both pods',
    );
    const sources = messages.filter((message) => message.type === 'sources').pop();
    assert.deepEqual(
      sources?.type === 'sources' && sources.sources.map((source) => source.pod).sort(),
      ['trainer-0', 'trainer-1'],
    );
    await waitFor(
      () => session.metricSamples.length > 0,
      20_000,
      'training metrics from the first pod',
    );
    const target = path.join(os.tmpdir(), `obs-saved-${Date.now()}.log`);
    const saved = await session.saveTo(target);
    const savedLines = fs.readFileSync(target, 'utf8').split('\n').filter(Boolean);
    fs.rmSync(target);
    assert.equal(savedLines.length, saved);
    assert.ok(
      savedLines.some((line) => line.includes(' trainer-1 ')) &&
        savedLines.some((line) => line.includes(' trainer-0 ')),
    );
    assert.ok(session.heldLines <= 1000);
  });

  it('a replay for a view that (re)loads while lines wait in a batch shows each line once', async () => {
    const messages: HostToView[] = [];
    const spoolPath = path.join(os.tmpdir(), `obs-spool-replay-${Date.now()}.log`);
    // A long batch interval, so the first lines still wait in their batch when the view asks.
    const session = new LogSession({
      kubeConfig: sandboxKubeConfig('developer'),
      workload: { kind: 'Pod', namespace, name: 'trainer-0' },
      maxLines: 1000,
      spoolPath,
      post: (message) => messages.push(message),
      batchMs: 1500,
    });
    disposables.push(session);
    await session.start();
    await waitFor(() => session.heldLines > 0, 20_000, 'the first lines');
    session.replay();
    const shown = () => {
      const lastReset = messages.map((message) => message.type).lastIndexOf('reset');
      return messages
        .slice(lastReset + 1)
        .flatMap((message) =>
          message.type === 'lines' ? message.lines.filter((line) => !line.p) : [],
        );
    };
    const replayed = shown().length;
    assert.ok(replayed > 0, 'the replay carries the lines held so far');
    await waitFor(() => shown().length >= replayed + 2, 30_000, 'lines streamed after the replay');
    const keys = shown().map((line) => `${line.s} ${line.t} ${line.x}`);
    const repeated = keys.filter((key, index) => keys.indexOf(key) !== index);
    assert.deepEqual(repeated, [], 'no line reaches the view twice');
  });

  it('keeps only maxLines in memory while the spool keeps everything', async () => {
    const spoolPath = path.join(os.tmpdir(), `obs-spool-small-${Date.now()}.log`);
    const session = new LogSession({
      kubeConfig: sandboxKubeConfig('developer'),
      workload: { kind: 'Pod', namespace, name: 'trainer-0' },
      maxLines: 5,
      spoolPath,
      post: () => undefined,
    });
    disposables.push(session);
    await session.start();
    await waitFor(() => session.totalLines > 20, 20_000, 'more lines than maxLines');
    assert.equal(session.heldLines, 5);
  });

  it('says clearly when the pod does not exist', async () => {
    const { statuses, done } = follow('no-such-pod');
    await done;
    assert.equal(statuses[statuses.length - 1].message, 'The pod does not exist.');
  });
});
