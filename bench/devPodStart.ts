// Dev pod start: time from the last Enter of the create flow to "Running" through our code path
// (owner lookup, server-side apply of the PVC and pod, watching pod + Events to Running), the
// extension's own share of it (until the API server accepted the pod), and the same manifests
// with `kubectl apply -f` + `kubectl wait --for=condition=Ready`, alternating in the same run.
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
import { createDevPod, currentUserLabel, deleteDevPod } from '../src/devPods/lifecycle';
import { devPodManifest, workspaceClaimManifest } from '../src/devPods/model/manifests';
import { defaultResourcesFor, type DevPodSpec } from '../src/devPods/model/spec';

const RUNS = 5;

function spec(namespace: string, name: string): DevPodSpec {
  return {
    name,
    namespace,
    gpu: { product: 'NVIDIA-H100-80GB-HBM3', count: 1 },
    image: 'pytorch/pytorch:2.4.1-cuda12.4-cudnn9-runtime',
    imagePreset: 'pytorch',
    ...defaultResourcesFor(1),
    workspace: { size: '1Gi' },
    idleMinutes: 60,
    restrictedPodSecurity: true,
  };
}

function kubectl(...args: string[]): void {
  execFileSync(
    'kubectl',
    ['--kubeconfig', SANDBOX_KUBECONFIG, '--context', 'kube-ml-sandbox', ...args],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
}

async function gone(core: k8s.CoreV1Api, namespace: string, name: string): Promise<void> {
  await waitFor(
    () =>
      core.readNamespacedPod({ namespace, name }).then(
        () => false,
        (error: { code?: number }) => error.code === 404,
      ),
    60_000,
    `pod ${name} to be gone`,
    50,
  );
}

export async function run(): Promise<Figure[]> {
  const kubeConfig = sandboxKubeConfig('admin');
  const core = kubeConfig.makeApiClient(k8s.CoreV1Api);
  const namespace = await createTestNamespace('bench-devpod');
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-devpod-'));
  const ours: number[] = [];
  const oursShare: number[] = [];
  const kubectlTotal: number[] = [];
  const kubectlApply: number[] = [];
  try {
    for (let index = 0; index < RUNS; index++) {
      const oursName = `ours-${index}`;
      const started = Date.now();
      const owner = await currentUserLabel(kubeConfig);
      const ownerMs = Date.now() - started;
      const result = await createDevPod(kubeConfig, spec(namespace, oursName), { owner });
      ours.push(Date.now() - started);
      oursShare.push(ownerMs + result.submitMs);

      const theirsName = `kubectl-${index}`;
      const theirs = spec(namespace, theirsName);
      const context = { now: new Date().toISOString(), owner };
      const file = path.join(folder, `${theirsName}.yaml`);
      fs.writeFileSync(
        file,
        [workspaceClaimManifest(theirs, context), devPodManifest(theirs, context)]
          .map((object) => yaml.dump(JSON.parse(JSON.stringify(object))))
          .join('---\n'),
      );
      const kubectlStarted = Date.now();
      kubectl('apply', '-f', file);
      kubectlApply.push(Date.now() - kubectlStarted);
      kubectl(
        '-n',
        namespace,
        'wait',
        '--for=condition=Ready',
        `pod/${theirsName}`,
        '--timeout=60s',
      );
      kubectlTotal.push(Date.now() - kubectlStarted);

      await deleteDevPod(kubeConfig, namespace, oursName, { keepVolume: false });
      await deleteDevPod(kubeConfig, namespace, theirsName, { keepVolume: false });
      await Promise.all([gone(core, namespace, oursName), gone(core, namespace, theirsName)]);
    }
  } finally {
    fs.rmSync(folder, { recursive: true, force: true });
    await deleteTestNamespace(namespace);
  }
  return [
    figure(
      `last Enter to Running, median of ${RUNS}`,
      median(ours),
      median(kubectlTotal),
      'ms',
      'lower',
      'kubectl apply -f + kubectl wait --for=condition=Ready',
    ),
    figure(
      `extension's own share (owner lookup + apply PVC and pod), median of ${RUNS}`,
      median(oursShare),
      median(kubectlApply),
      'ms',
      'lower',
      'kubectl apply -f (PVC + pod)',
    ),
  ];
}
