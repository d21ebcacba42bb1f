// Pure pieces of the sandbox agent: the exec environment, the training log format, the Job-pod
// status patch and the fake nvidia-smi's output formats.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import type * as k8s from '@kubernetes/client-node';
import {
  finishedStatusPatch,
  msUntilFinish,
  runSeconds,
} from '../../../scripts/sandbox/agent/jobRunner';
import { containerEnv, expandReferences, fieldValue } from '../../../scripts/sandbox/agent/podEnv';
import { criLine, tqdmLine, trainerDictLine } from '../../../scripts/sandbox/agent/trainingLog';
import {
  mergedPortForwardSpec,
  portForwardObject,
} from '../../../scripts/sandbox/agent/kwokObjects';

const pod: k8s.V1Pod = {
  metadata: {
    name: 'ddp-1-x',
    namespace: 'ml',
    uid: 'u1',
    annotations: { 'batch.kubernetes.io/job-completion-index': '1' },
  },
  spec: { nodeName: 'gpu-h100-0', containers: [{ name: 'trainer', image: 'pytorch' }] },
  status: {
    phase: 'Running',
    podIP: '127.64.0.9',
    startTime: new Date('2026-01-01T00:00:00Z'),
    conditions: [
      { type: 'Ready', status: 'True' },
      { type: 'PodScheduled', status: 'True' },
    ],
    containerStatuses: [
      {
        name: 'trainer',
        image: 'pytorch',
        imageID: '',
        ready: true,
        restartCount: 0,
        state: { running: { startedAt: new Date('2026-01-01T00:00:01Z') } },
      },
    ],
  },
};

describe('sandbox agent: exec environment', () => {
  it('resolves downward-API field paths', () => {
    assert.equal(
      fieldValue(pod, "metadata.annotations['batch.kubernetes.io/job-completion-index']"),
      '1',
    );
    assert.equal(fieldValue(pod, 'status.podIP'), '127.64.0.9');
    assert.equal(fieldValue(pod, 'spec.nodeName'), 'gpu-h100-0');
    assert.equal(fieldValue(pod, 'metadata.unknown'), undefined);
  });

  it('expands $(VAR) from earlier variables, keeps unknown ones and unescapes $$', () => {
    const known = new Map([['RANK', '1']]);
    assert.equal(
      expandReferences('node-$(RANK):$(PORT) $$(RANK)', known),
      'node-1:$(PORT) $(RANK)',
    );
  });

  it('builds the container env from values, fieldRefs and ConfigMap keys in order', async () => {
    const container: k8s.V1Container = {
      name: 'trainer',
      env: [
        {
          name: 'RANK',
          valueFrom: {
            fieldRef: {
              fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']",
            },
          },
        },
        { name: 'ADDR', value: 'worker-$(RANK)' },
        { name: 'LR', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'lr' } } },
        { name: 'MISSING', valueFrom: { secretKeyRef: { name: 'nope', key: 'x' } } },
      ],
    };
    const env = await containerEnv(pod, container, async (kind, name, key) =>
      kind === 'configMap' && name === 'cfg' && key === 'lr' ? '3e-4' : undefined,
    );
    assert.deepEqual(
      [...env],
      [
        ['RANK', '1'],
        ['ADDR', 'worker-1'],
        ['LR', '3e-4'],
      ],
    );
  });
});

describe('sandbox agent: training log', () => {
  it('writes CRI log lines', () => {
    assert.equal(
      criLine('stderr', 'warn', new Date('2026-01-01T00:00:00Z')),
      '2026-01-01T00:00:00.000Z stderr F warn\n',
    );
  });

  it('prints Trainer dict lines the way Python prints them', () => {
    assert.match(
      trainerDictLine(10),
      /^\{'loss': \d\.\d+, 'grad_norm': \d\.\d+, 'learning_rate': 4\.99e-05, 'epoch': 0\.01\}$/,
    );
  });

  it('prints tqdm progress behind a carriage return', () => {
    assert.equal(tqdmLine(500, 10), '\r 10%|█         | 500/5000 [00:50<07:30, 10.00it/s]');
  });
});

describe('sandbox agent: Job pods', () => {
  it('reads run-seconds with a default of 20 and counts from the start time', () => {
    assert.equal(runSeconds(pod), 20);
    const withAnnotation = {
      ...pod,
      metadata: { ...pod.metadata, annotations: { 'sandbox.kube-ml.dev/run-seconds': '3' } },
    };
    assert.equal(msUntilFinish(withAnnotation, new Date('2026-01-01T00:00:01Z').getTime()), 2000);
  });

  it('patches a failed pod to Failed with the exit code and Ready False', () => {
    const patch = finishedStatusPatch(pod, 137, new Date('2026-01-01T00:01:00Z')) as Array<{
      path: string;
      value: unknown;
    }>;
    const byPath = new Map(patch.map((op) => [op.path, op.value]));
    assert.equal(byPath.get('/status/phase'), 'Failed');
    const [status] = byPath.get('/status/containerStatuses') as k8s.V1ContainerStatus[];
    assert.equal(status.state?.terminated?.exitCode, 137);
    assert.equal(status.state?.terminated?.reason, 'Error');
    const conditions = byPath.get('/status/conditions') as k8s.V1PodCondition[];
    assert.equal(conditions.find((c) => c.type === 'Ready')?.status, 'False');
    assert.equal(conditions.find((c) => c.type === 'PodScheduled')?.status, 'True');
  });
});

describe('sandbox: fake nvidia-smi', () => {
  const nvidiaSmi = path.resolve(__dirname, '../../../scripts/sandbox/bin/nvidia-smi');
  const run = (args: string[], gpus: string): string =>
    execFileSync(nvidiaSmi, args, {
      encoding: 'utf8',
      env: {
        ...process.env,
        KMW_GPU_COUNT: gpus,
        KMW_GPU_NAME: 'NVIDIA A100-SXM4-40GB',
        KMW_GPU_MEMORY_MIB: '40960',
      },
    });

  it('prints one noheader/nounits CSV row per GPU', () => {
    const rows = run(
      [
        '--query-gpu=index,name,utilization.gpu,memory.used,memory.total,power.draw,temperature.gpu',
        '--format=csv,noheader,nounits',
      ],
      '3',
    )
      .trim()
      .split('\n');
    assert.equal(rows.length, 3);
    assert.match(rows[2], /^2, NVIDIA A100-SXM4-40GB, \d+, \d+, 40960, \d+\.00, \d+$/);
  });

  it('prints headers with units when asked for csv only', () => {
    const lines = run(['--query-gpu=memory.used,power.draw', '--format=csv'], '1')
      .trim()
      .split('\n');
    assert.equal(lines[0], 'memory.used [MiB], power.draw [W]');
    assert.match(lines[1], /^\d+ MiB, \d+\.00 W$/);
  });

  it('prints the table with one block per GPU', () => {
    const table = run([], '2');
    assert.match(table, /NVIDIA-SMI 550\.54\.15/);
    assert.equal((table.match(/\d+MiB \/\s+40960MiB/g) ?? []).length, 2);
  });
});

describe('sandbox agent: rewriting a PortForward object', () => {
  const forwardedPod: k8s.V1Pod = { metadata: { name: 'p', namespace: 'ns', uid: 'u' } };
  it('keeps forwards others added for ports the agent does not serve, and replaces its own', () => {
    const ours = portForwardObject(
      forwardedPod,
      new Map([
        [8888, { address: '127.0.0.1', port: 1 }],
        [22, { address: '127.64.0.9', port: 22 }],
      ]),
    );
    const existing = portForwardObject(
      forwardedPod,
      new Map([[8888, { address: '127.0.0.1', port: 99 }]]),
    );
    existing.spec.forwards = [
      ...(existing.spec.forwards as unknown[]),
      { ports: [9000], target: { address: '127.0.0.1', port: 4321 } },
    ];
    assert.deepEqual(mergedPortForwardSpec(ours, existing).forwards, [
      { ports: [8888], target: { address: '127.0.0.1', port: 1 } },
      { ports: [22], target: { address: '127.64.0.9', port: 22 } },
      { ports: [9000], target: { address: '127.0.0.1', port: 4321 } },
    ]);
  });
});
