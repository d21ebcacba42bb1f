import * as assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { runTextCommand } from '../../src/cluster/exec';
import { apiLogTransport, LogFollower, type FollowStatus } from '../../src/cluster/logs/logStream';
import { PodFiles } from '../../src/cluster/podFiles';
import { KubeWatchCache } from '../../src/cluster/watchCache';
import { podSource } from '../../src/cluster/watchSources';
import { ReconnectingShell } from '../../src/terminals/reconnectingShell';
import {
  ensureModelVolume,
  scanLocalModel,
  startUploaderPod,
  uploadModel,
  type UploaderPod,
  type UploadResult,
} from '../../src/serving/modelUpload';
import { deleteTestNamespace, sandboxKubeConfig, waitFor } from '../cluster/sandbox';
import { createTrainingPod } from '../cluster/trainingPods';
import { createNamespaceWithServiceAccount, sandboxHealthy } from '../cluster/sandbox/recovery';
import {
  catchUp,
  compareLines,
  killApiServer,
  Kubectl,
  kubectlOnce,
  readLog,
  type Outage,
} from './harness';
import { ForwardPair } from './clients';
import { FAULT_RUNS, recordRun } from './summary';
import { recordingLog } from '../recordingLog';

const FAULT = 'API-server kill -9';
/** How long the supervisor keeps the API server down: long enough for controller-manager and scheduler to lose their lease. */
const HOLD_SECONDS = 4;
const FORWARD_LABEL = 'kube-ml.dev/devpod';

/**
 * One API-server kill with everything a user may have open at that moment: a followed log, a
 * port-forward under continuous requests, the pod watch cache while pods are being written, a
 * kubeml:// save, a model upload, each beside kubectl doing the same.
 */
for (const run of FAULT_RUNS)
  describe(`faults: the API server is killed with -9 and comes back (run ${run})`, function () {
    const kubeConfig = sandboxKubeConfig('developer');
    const core = sandboxKubeConfig('admin').makeApiClient(k8s.CoreV1Api);
    let namespace: string;
    let outage: Outage;
    const cleanups: (() => void)[] = [];

    // The log follow.
    const followed: string[] = [];
    const followStatuses: (FollowStatus & { at: number })[] = [];
    let kubectlLogs: Kubectl;
    // The port-forward.
    let forwards: ForwardPair;
    // The watch cache.
    let cache: KubeWatchCache<k8s.V1Pod>;
    let kubectlWatch: Kubectl;
    const writes = { created: 0, deleted: 0, heldByOutage: 0 };
    // The save.
    let saveError: unknown;
    let kubectlSave: { code: number | null; stderr: string };
    let workFolder: string;
    // The terminal.
    let terminalText = '';
    let reconnectedAt: number | undefined;
    let kubectlExec: Kubectl;
    let terminal: ReconnectingShell;
    // The upload.
    let uploader: UploaderPod;
    let modelFolder: string;
    let upload: Promise<UploadResult>;
    const uploadLog: string[] = [];

    before(async function () {
      this.timeout(240_000);
      namespace = await createNamespaceWithServiceAccount('faults-api');
      await createTrainingPod(namespace, 'trainer', 0, { [FORWARD_LABEL]: 'faults' });

      const follower = new LogFollower(
        apiLogTransport(kubeConfig, { namespace, pod: 'trainer', container: 'trainer' }),
        {
          onLines: (lines) =>
            followed.push(...lines.map((line) => `${line.timestamp} ${line.text}`)),
          onStatus: (status) => followStatuses.push({ ...status, at: Date.now() }),
        },
        { follow: true, backoffMs: 250, maxBackoffMs: 2000 },
      );
      cleanups.push(() => follower.dispose());
      void follower.start();
      kubectlLogs = new Kubectl([
        'logs',
        '-f',
        '--timestamps',
        '-n',
        namespace,
        'trainer',
        '-c',
        'trainer',
      ]);
      cleanups.push(() => kubectlLogs.stop());

      forwards = await ForwardPair.start({ namespace, podName: 'trainer' }, 'pod/trainer');

      cache = new KubeWatchCache(podSource(kubeConfig, namespace), {
        initialBackoffMs: 250,
        maxBackoffMs: 2000,
      });
      cleanups.push(() => cache.dispose());
      await cache.ready;
      kubectlWatch = new Kubectl(['get', 'pods', '-w', '-o', 'name', '-n', namespace]);
      cleanups.push(() => kubectlWatch.stop());

      const target = { namespace, pod: 'trainer', container: 'trainer' };
      const shellLog: string[] = [];
      const shell = new ReconnectingShell({
        kubeConfig: () => kubeConfig,
        resolveTarget: async () => target,
        initialTarget: target,
        onActivity: () => undefined,
        log: recordingLog(shellLog),
        write: (text) => {
          terminalText += text;
          if (reconnectedAt === undefined && /Reconnected to trainer\/trainer/.test(terminalText))
            reconnectedAt = Date.now();
        },
        exit: () => undefined,
        retryDelayMs: 500,
      });
      cleanups.push(() => shell.dispose());
      shell.open({ columns: 120, rows: 30 });
      shell.input('echo before-$((6*7))\r');
      await waitFor(
        () => {
          if (terminalText.includes('before-42')) return true;
          throw new Error(
            `the terminal shows ${JSON.stringify(terminalText.slice(-400))}; its log: ${shellLog.join(' | ')}`,
          );
        },
        30_000,
        'the terminal to answer before the fault',
      );
      terminal = shell;
      kubectlExec = new Kubectl([
        'exec',
        '-n',
        namespace,
        'trainer',
        '-c',
        'trainer',
        '--',
        'sleep',
        '3600',
      ]);
      cleanups.push(() => kubectlExec.stop());

      const files = new PodFiles(kubeConfig, target);
      workFolder = await files.workingDirectory();

      modelFolder = fs.mkdtempSync(path.join(os.tmpdir(), 'faults-model-'));
      for (let index = 0; index < 6; index++)
        fs.writeFileSync(
          path.join(modelFolder, `shard-${index}.safetensors`),
          randomBytes(1024 * 1024),
        );
      const model = await scanLocalModel(modelFolder);
      await ensureModelVolume(kubeConfig, {
        namespace,
        claimName: 'faults-model',
        endpointName: 'faults',
        minBytes: model.totalBytes,
      });
      uploader = await startUploaderPod(kubeConfig, namespace, 'faults-model');
      cleanups.push(() => uploader.dispose());

      await waitFor(() => followed.length >= 5, 30_000, 'log lines before the fault');

      // The pods the cache must see, written before, during (retried until the server takes them) and after the outage.
      let writing = true;
      const writer = (async () => {
        for (let index = 0; writing; index++) {
          let failures = await retryUntilDone(() =>
            core.createNamespacedPod({
              namespace,
              body: {
                metadata: { name: `w-${index}` },
                spec: {
                  nodeName: 'cpu-0',
                  containers: [{ name: 'main', image: 'busybox' }],
                  terminationGracePeriodSeconds: 0,
                },
              },
            }),
          );
          writes.created++;
          if (index % 3 === 2) {
            failures += await retryUntilDone(() =>
              core.deleteNamespacedPod({
                namespace,
                name: `w-${index - 1}`,
                gracePeriodSeconds: 0,
              }),
            );
            writes.deleted++;
          }
          if (failures > 0) writes.heldByOutage++;
          await new Promise((resolve) => setTimeout(resolve, 150));
        }
      })();

      // The kill lands while the upload sends its first chunks.
      let uploadStarted!: () => void;
      const sending = new Promise<void>((resolve) => (uploadStarted = resolve));
      upload = uploadModel(kubeConfig, uploader.target, model, 'models/faults', {
        chunkBytes: 1024 * 1024,
        onProgress: (progress) => progress.phase === 'sending' && uploadStarted(),
        log: recordingLog(uploadLog),
      });
      upload.catch(() => undefined);
      await sending;
      outage = await killApiServer(HOLD_SECONDS, async () => {
        saveError = await files
          .writeFile(
            `${workFolder}/notebook.py`,
            Buffer.from('print("saved during the outage")\n'),
            { create: true, overwrite: true },
          )
          .then(
            () => undefined,
            (error: unknown) => error,
          );
        kubectlSave = await kubectlOnce(
          [
            'exec',
            '-i',
            '-n',
            namespace,
            'trainer',
            '-c',
            'trainer',
            '--',
            'sh',
            '-c',
            `cat > ${workFolder}/kubectl-notebook.py`,
          ],
          'print("saved during the outage")\n',
        );
      });
      const createdAtReturn = writes.created;
      await waitFor(
        () => writes.created >= createdAtReturn + 6,
        60_000,
        'writes after the server returned',
      );
      writing = false;
      await writer;
    });

    after(async function () {
      this.timeout(120_000);
      await forwards?.dispose();
      cleanups
        .splice(0)
        .reverse()
        .forEach((cleanup) => cleanup());
      if (modelFolder) fs.rmSync(modelFolder, { recursive: true, force: true });
      if (namespace) {
        await sandboxHealthy(namespace);
        await deleteTestNamespace(namespace);
      }
    });

    it('log follow: every line once, resumed by itself; kubectl logs -f ends at the kill', async () => {
      const truth = await catchUp(
        () => followed,
        () => readLog(namespace, 'trainer', 'trainer'),
      );
      const received = followed.slice();
      const ours = compareLines(received, truth, await readLog(namespace, 'trainer', 'trainer'));
      const linesAfterKill = truth.filter(
        (line) => Date.parse(line.slice(0, line.indexOf(' '))) > outage.killedAt,
      ).length;
      const kubectl = compareLines(kubectlLogs.lines, truth);
      recordRun({
        scenario: 'log follow',
        fault: FAULT,
        unit: 'lines',
        lost: ours.lost,
        duplicated: ours.duplicated,
        outageSeconds: (outage.backAt - outage.killedAt) / 1000,
        recovered: ours.lost === 0 && linesAfterKill > 0,
        kubectl: `${kubectlLogs.describeEnd()}; lost ${kubectl.lost} of ${truth.length} lines`,
      });
      assert.deepEqual(
        ours,
        { lost: 0, duplicated: 0, unknown: 0 },
        `delivered ${received.length}, ${truth.length} in the log; states: ${followStatuses.map((status) => `${new Date(status.at).toISOString().slice(11, 23)} ${status.state}: ${status.message}`).join(' | ')}`,
      );
      assert.ok(linesAfterKill > 0, 'lines written after the kill were delivered');
      assert.ok(
        followStatuses.some((status) => status.state === 'reconnecting'),
        'the user was told it reconnects',
      );
      assert.equal(
        followStatuses[followStatuses.length - 1].state,
        'reconnected',
        followStatuses.map((status) => status.message).join('\n'),
      );
    });

    it('port-forward: requests succeed again by themselves; kubectl port-forward does not recover', async () => {
      const { failed, outageSeconds, kubectl } = await forwards.outcome(outage.killedAt);
      recordRun({
        scenario: 'port-forward',
        fault: FAULT,
        unit: 'requests',
        lost: failed,
        duplicated: 0,
        outageSeconds,
        recovered: outageSeconds !== undefined,
        kubectl,
      });
      assert.notEqual(
        outageSeconds,
        undefined,
        'the forward serves requests again without user action',
      );
      assert.equal(forwards.ours.state, 'ready');
    });

    it('terminal: reconnects by itself and says so; kubectl exec ends at the kill', async () => {
      await waitFor(() => reconnectedAt, 60_000, 'the terminal to reconnect').catch(
        () => undefined,
      );
      // Read before typing: a key would itself ask a waiting terminal to reconnect.
      const byItself = reconnectedAt;
      terminal.input('echo after-$((6*7))\r');
      const answers = await waitFor(
        () => terminalText.includes('after-42'),
        30_000,
        'the reconnected terminal to answer',
      ).catch(() => false);
      recordRun({
        scenario: 'terminal',
        fault: FAULT,
        unit: 'sessions',
        lost: answers ? 0 : 1,
        duplicated: 0,
        outageSeconds: byItself === undefined ? undefined : (byItself - outage.killedAt) / 1000,
        recovered: byItself !== undefined && answers,
        kubectl: `kubectl exec ${kubectlExec.describeEnd()}`,
      });
      assert.match(
        terminalText,
        /Connection to the pod lost/,
        'the terminal said the connection was lost',
      );
      assert.notEqual(
        byItself,
        undefined,
        `the terminal reconnected without a key press:\n${terminalText}`,
      );
      assert.ok(answers, 'the new shell answers');
    });

    it('watch cache: writes made across the outage end with no missing, extra or stale pod', async () => {
      const matches = async () => {
        const listed = (await core.listNamespacedPod({ namespace })).items.filter((pod) =>
          pod.metadata?.name?.startsWith('w-'),
        );
        const cached = new Map(
          cache
            .list()
            .filter((pod) => pod.metadata?.name?.startsWith('w-'))
            .map((pod) => [pod.metadata?.name, pod.metadata?.resourceVersion]),
        );
        const missing = listed.filter((pod) => !cached.has(pod.metadata?.name)).length;
        const stale = listed.filter(
          (pod) =>
            cached.has(pod.metadata?.name) &&
            cached.get(pod.metadata?.name) !== pod.metadata?.resourceVersion,
        ).length;
        const names = new Set(listed.map((pod) => pod.metadata?.name));
        const extra = [...cached.keys()].filter((name) => !names.has(name)).length;
        return { missing, extra, stale };
      };
      let last = await matches();
      await waitFor(
        async () => {
          last = await matches();
          return last.missing + last.extra + last.stale === 0;
        },
        30_000,
        'the cache to match the API server',
      ).catch(() => undefined);
      recordRun({
        scenario: 'watch cache',
        fault: FAULT,
        unit: 'pods',
        lost: last.missing + last.stale,
        duplicated: last.extra,
        outageSeconds: (outage.backAt - outage.killedAt) / 1000,
        recovered: cache.state === 'ready',
        kubectl: `kubectl get -w ${kubectlWatch.describeEnd()}`,
      });
      assert.deepEqual(
        last,
        { missing: 0, extra: 0, stale: 0 },
        `${writes.created} creates, ${writes.deleted} deletes; cache ${cache.state} ${cache.lastError?.message ?? ''}`,
      );
      assert.ok(
        writes.heldByOutage > 0,
        'some writes were made while the server was down (retried until it took them)',
      );
      assert.equal(cache.state, 'ready');
    });

    it('kubeml:// save during the outage: a clear error, and no file, whole or partial, in the pod', async () => {
      const files = new PodFiles(kubeConfig, { namespace, pod: 'trainer', container: 'trainer' });
      const listing = (await files.readDirectory(workFolder)).map(([name]) => name);
      const leftovers = listing.filter((name) => name.includes('notebook.py'));
      recordRun({
        scenario: 'kubeml:// save',
        fault: `${FAULT} (save during the outage)`,
        unit: 'files',
        lost: 0,
        duplicated: 0,
        recovered: saveError !== undefined && leftovers.length === 0,
        kubectl: `kubectl exec save exited ${kubectlSave.code}: ${kubectlSave.stderr.trim().split('\n').pop()?.slice(0, 100)}`,
      });
      assert.ok(saveError instanceof Error, 'the save failed');
      assert.equal((saveError as { kind?: string }).kind, 'unreachable', String(saveError));
      assert.match((saveError as Error).message, /API server cannot be reached/);
      assert.deepEqual(leftovers, [], 'no file, whole or partial, was left in the pod');
      const saved = await files.writeFile(
        `${workFolder}/notebook.py`,
        Buffer.from('print("saved after")\n'),
        { create: true, overwrite: true },
      );
      assert.equal(saved.size, 21, 'saving again once the server is back works');
    });

    it('model upload: resumes by itself after the kill and every checksum matches', async () => {
      const result = await upload;
      const local = new Map(
        fs.readdirSync(modelFolder).map((name) => [
          name,
          createHash('sha256')
            .update(fs.readFileSync(path.join(modelFolder, name)))
            .digest('hex'),
        ]),
      );
      const remote = await runTextCommand(
        kubeConfig,
        uploader.target,
        ['sh', '-c', 'cd models/faults && sha256sum *'],
        { operation: 'checksum the uploaded model' },
      );
      const uploaded = new Map(
        remote.stdout
          .trim()
          .split('\n')
          .map((line) => {
            const [sum, name] = line.split(/\s+/);
            return [name, sum];
          }),
      );
      const mismatched = [...local].filter(([name, sum]) => uploaded.get(name) !== sum).length;
      recordRun({
        scenario: 'model upload',
        fault: FAULT,
        unit: 'files',
        lost: mismatched,
        duplicated: 0,
        outageSeconds: (outage.backAt - outage.killedAt) / 1000,
        recovered: mismatched === 0,
        kubectl: 'n/a (kubectl cp has no resume)',
      });
      assert.deepEqual(uploaded, local, 'the published files are exactly the local ones');
      assert.equal(result.sentFiles + result.skippedFiles, local.size);
      assert.ok(
        uploadLog.some((message) => /resuming/.test(message)),
        `the upload resumed: ${uploadLog.join('\n')}`,
      );
    });
  });

/**
 * Retries a write until the server takes it (an earlier attempt that did land counts as done);
 * resolves with the number of failed attempts.
 */
async function retryUntilDone(write: () => Promise<unknown>): Promise<number> {
  for (let failures = 0; ; failures++) {
    try {
      await write();
      return failures;
    } catch (error) {
      const code = (error as { code?: number }).code;
      if (code === 409 || code === 404) return failures;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}
