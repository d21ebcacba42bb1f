// Training job submit: time from "submit" to every worker Running for a 2-worker Indexed Job
// (headless Service + torchrun env), through our code path (permission checks, server-side
// apply, the watch-driven RunStore seeing 2/2 workers running) versus the same manifests with
// `kubectl apply -f` + `kubectl wait --for=jsonpath={.status.ready}=2`, alternating in one run.
// A second figure is the submit call alone (until the API server accepted everything) versus
// `kubectl apply -f` alone.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import * as yaml from 'js-yaml';
import * as k8s from '@kubernetes/client-node';
import { figure, median, type Figure } from './figures';
import {
  SANDBOX_KUBECONFIG,
  createTestNamespace,
  deleteTestNamespace,
  sandboxKubeConfig,
  waitFor,
} from '../test/cluster/sandbox';
import { KubeSession } from '../src/cluster/kubeSession';
import { defaultJobSpec, type JobSpec } from '../src/jobs/model/jobSpec';
import { buildRunManifests } from '../src/jobs/model/manifests';
import { NO_CAPABILITIES } from '../src/jobs/model/runtime';
import { RunStore } from '../src/jobs/runStore';
import { submitRun } from '../src/jobs/submit';

const RUNS = 5;
const WORKERS = 2;

function spec(name: string): JobSpec {
  return defaultJobSpec({
    name,
    image: 'pytorch/pytorch:2.4.0-cuda12.1-cudnn9-runtime',
    command: ['python', 'train.py'],
    workers: WORKERS,
    gpusPerWorker: 1,
    podAnnotations: { 'sandbox.kube-ml.dev/run-seconds': '120' },
  });
}

function kubectl(...args: string[]): void {
  execFileSync(
    'kubectl',
    ['--kubeconfig', SANDBOX_KUBECONFIG, '--context', 'kube-ml-sandbox', ...args],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
}

/** Resolves when the store (fed only by watches) reports every worker of `name` running. */
function allRunning(store: RunStore, name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      subscription.dispose();
      reject(
        new Error(
          `${name} did not reach ${WORKERS} running workers in 60 s (last: ${store.get(name)?.reason})`,
        ),
      );
    }, 60_000);
    const subscription = store.onDidChange((change) => {
      if (change.changed.some((view) => view.name === name && view.runningWorkers === WORKERS)) {
        clearTimeout(timer);
        subscription.dispose();
        resolve();
      }
    });
  });
}

async function removeRun(
  batch: k8s.BatchV1Api,
  core: k8s.CoreV1Api,
  namespace: string,
  name: string,
): Promise<void> {
  await batch.deleteNamespacedJob({
    namespace,
    name,
    propagationPolicy: 'Background',
    gracePeriodSeconds: 0,
  });
  await waitFor(
    async () =>
      (await core.listNamespacedPod({ namespace, labelSelector: `kube-ml.dev/run=${name}` })).items
        .length === 0,
    60_000,
    `pods of ${name} to be gone`,
    100,
  );
}

export async function run(): Promise<Figure[]> {
  const kubeConfig = sandboxKubeConfig('admin');
  const core = kubeConfig.makeApiClient(k8s.CoreV1Api);
  const batch = kubeConfig.makeApiClient(k8s.BatchV1Api);
  const namespace = await createTestNamespace('bench-jobs');
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-jobs-'));
  const session = new KubeSession({ contextName: 'kube-ml-sandbox', namespace, kubeConfig });
  const store = new RunStore(session, NO_CAPABILITIES, () => undefined);
  const ours: number[] = [];
  const oursSubmit: number[] = [];
  const reference: number[] = [];
  const referenceApply: number[] = [];
  try {
    await Promise.all([store.ready, session.pods.ready, session.nodes.ready]);
    for (let index = 0; index < RUNS; index++) {
      const name = `ours-${index}`;
      const running = allRunning(store, name);
      const started = performance.now();
      await submitRun(session, { spec: spec(name), namespace, capabilities: NO_CAPABILITIES });
      oursSubmit.push(performance.now() - started);
      await running;
      ours.push(performance.now() - started);
      await removeRun(batch, core, namespace, name);

      const kubectlName = `kubectl-${index}`;
      const file = path.join(folder, `${kubectlName}.yaml`);
      fs.writeFileSync(
        file,
        buildRunManifests(spec(kubectlName), { namespace, runtime: 'indexedJob' })
          .map((object) => yaml.dump(object))
          .join('---\n'),
      );
      const kubectlStarted = performance.now();
      kubectl('apply', '-f', file);
      referenceApply.push(performance.now() - kubectlStarted);
      kubectl(
        'wait',
        '-n',
        namespace,
        `--for=jsonpath={.status.ready}=${WORKERS}`,
        `job/${kubectlName}`,
        '--timeout=60s',
      );
      reference.push(performance.now() - kubectlStarted);
      await removeRun(batch, core, namespace, kubectlName);
    }
  } finally {
    store.dispose();
    session.dispose();
    fs.rmSync(folder, { recursive: true, force: true });
    await deleteTestNamespace(namespace);
  }
  return [
    figure(
      `submit to ${WORKERS}/${WORKERS} workers Running (Indexed Job + Service), median of ${RUNS}`,
      median(ours),
      median(reference),
      'ms',
      'lower',
      'kubectl apply -f + kubectl wait --for=jsonpath={.status.ready}=2',
    ),
    figure(
      `submit accepted by the API server (permission checks + server-side apply), median of ${RUNS}`,
      median(oursSubmit),
      median(referenceApply),
      'ms',
      'lower',
      'kubectl apply -f',
    ),
  ];
}
