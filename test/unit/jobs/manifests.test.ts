import * as assert from 'node:assert/strict';
import type { V1Container, V1EnvVar, V1Job, V1PodSpec, V1Service } from '@kubernetes/client-node';
import {
  buildCodeSecrets,
  buildRunManifests,
  runPodSelector,
  shellQuote,
  type CustomObject,
} from '../../../src/jobs/model/manifests';
import { launchCommand } from '../../../src/jobs/model/podTemplate';
import { spec } from './fixtures';

const options = { namespace: 'ml-team' } as const;

function assertRestricted(podSpec: V1PodSpec): void {
  assert.equal(podSpec.securityContext?.runAsNonRoot, true);
  assert.equal(podSpec.securityContext?.seccompProfile?.type, 'RuntimeDefault');
  for (const container of [...(podSpec.initContainers ?? []), ...podSpec.containers]) {
    assert.equal(container.securityContext?.allowPrivilegeEscalation, false, container.name);
    assert.deepEqual(container.securityContext?.capabilities?.drop, ['ALL'], container.name);
    assert.equal(container.securityContext?.runAsNonRoot, true, container.name);
    assert.equal(container.securityContext?.seccompProfile?.type, 'RuntimeDefault', container.name);
    assert.equal(container.securityContext?.privileged, undefined);
  }
  for (const volume of podSpec.volumes ?? []) {
    assert.equal(volume.hostPath, undefined, 'restricted forbids hostPath');
  }
}

function env(container: V1Container): Map<string, V1EnvVar> {
  return new Map((container.env ?? []).map((variable) => [variable.name, variable]));
}

describe('jobs/manifests', () => {
  it('builds a single-worker Job with GPUs, toleration, product selector, labels and annotations', () => {
    const [job] = buildRunManifests(
      spec({
        gpusPerWorker: 4,
        gpuProduct: 'NVIDIA-A100-SXM4-40GB',
        podAnnotations: { 'sandbox.kube-ml.dev/run-seconds': '5' },
      }),
      { ...options, runtime: 'job' },
    ) as [V1Job];
    assert.equal(job.apiVersion, 'batch/v1');
    assert.equal(job.metadata?.labels?.['app.kubernetes.io/managed-by'], 'kube-ml-workbench');
    assert.equal(job.metadata?.labels?.['kube-ml.dev/run'], 'train-a');
    assert.equal(job.spec?.completionMode, undefined);
    assert.equal(job.spec?.backoffLimit, 0);
    const pod = job.spec!.template;
    assert.equal(pod.metadata?.labels?.['kube-ml.dev/run'], 'train-a');
    assert.equal(pod.metadata?.annotations?.['sandbox.kube-ml.dev/run-seconds'], '5');
    const podSpec = pod.spec!;
    assert.equal(podSpec.restartPolicy, 'Never');
    assertRestricted(podSpec);
    const container = podSpec.containers[0]!;
    assert.equal(container.resources?.limits?.['nvidia.com/gpu'], '4');
    assert.equal(container.resources?.requests?.['nvidia.com/gpu'], '4');
    assert.deepEqual(podSpec.tolerations, [
      { key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' },
    ]);
    assert.deepEqual(podSpec.nodeSelector, { 'nvidia.com/gpu.product': 'NVIDIA-A100-SXM4-40GB' });
    // 4 GPUs on one node: torchrun standalone with one process per GPU.
    assert.deepEqual(container.command, ['torchrun', 'train.py']);
    assert.deepEqual(container.args, ['--epochs', '3']);
    assert.equal(env(container).get('PET_NPROC_PER_NODE')?.value, '4');
    assert.equal(JSON.parse(job.metadata!.annotations!['kube-ml.dev/spec']!).gpusPerWorker, 4);
  });

  it('keeps python for a CPU run and leaves GPU fields out', () => {
    const [job] = buildRunManifests(spec(), { ...options, runtime: 'job' }) as [V1Job];
    const podSpec = job.spec!.template.spec!;
    assert.deepEqual(podSpec.containers[0]!.command, ['python', 'train.py']);
    assert.equal(podSpec.tolerations, undefined);
    assert.equal(podSpec.nodeSelector, undefined);
    assert.equal(podSpec.containers[0]!.resources, undefined);
  });

  it('allows root only when the user opts out, still under seccomp and without privilege escalation', () => {
    const [job] = buildRunManifests(spec({ restrictedPodSecurity: false }), {
      ...options,
      runtime: 'job',
    }) as [V1Job];
    assert.deepEqual(job.spec!.template.spec!.securityContext, {
      seccompProfile: { type: 'RuntimeDefault' },
    });
    assert.deepEqual(job.spec!.template.spec!.containers[0]!.securityContext, {
      allowPrivilegeEscalation: false,
    });
  });

  it('builds an Indexed Job and a headless Service with torchrun rendezvous env', () => {
    const [job, service] = buildRunManifests(spec({ workers: 2, gpusPerWorker: 8 }), {
      ...options,
      runtime: 'indexedJob',
    }) as [V1Job, V1Service];
    assert.equal(job.spec?.completionMode, 'Indexed');
    assert.equal(job.spec?.completions, 2);
    assert.equal(job.spec?.parallelism, 2);
    const podSpec = job.spec!.template.spec!;
    assert.equal(podSpec.subdomain, 'train-a');
    assertRestricted(podSpec);
    const variables = env(podSpec.containers[0]!);
    assert.equal(variables.get('MASTER_ADDR')?.value, 'train-a-0.train-a');
    assert.equal(variables.get('MASTER_PORT')?.value, '29500');
    assert.equal(variables.get('WORLD_SIZE')?.value, '2');
    assert.equal(variables.get('PET_NNODES')?.value, '2');
    assert.equal(variables.get('PET_NPROC_PER_NODE')?.value, '8');
    for (const name of ['RANK', 'NODE_RANK', 'PET_NODE_RANK']) {
      assert.equal(
        variables.get(name)?.valueFrom?.fieldRef?.fieldPath,
        "metadata.annotations['batch.kubernetes.io/job-completion-index']",
        name,
      );
    }
    assert.equal(service.spec?.clusterIP, 'None');
    assert.equal(service.spec?.publishNotReadyAddresses, true);
    assert.deepEqual(service.spec?.selector, { 'kube-ml.dev/run': 'train-a' });
    assert.equal(service.metadata?.name, podSpec.subdomain);
    assert.equal(service.spec?.ports?.[0]?.port, 29500);
  });

  it('adds the Kueue queue label to the top object only when given', () => {
    const [queued] = buildRunManifests(spec(), { ...options, runtime: 'job', queue: 'team-a' });
    assert.equal(queued!.metadata?.labels?.['kueue.x-k8s.io/queue-name'], 'team-a');
    assert.equal((queued as V1Job).spec?.suspend, true, 'created suspended until Kueue admits it');
    const [plain] = buildRunManifests(spec(), { ...options, runtime: 'job' });
    assert.equal(plain!.metadata?.labels?.['kueue.x-k8s.io/queue-name'], undefined);
    assert.equal((plain as V1Job).spec?.suspend, undefined);
  });

  it('mounts a dev pod volume in place, and unpacks a packed folder with an init container', () => {
    const [onVolume] = buildRunManifests(
      spec({
        code: {
          kind: 'devPodVolume',
          devPod: 'alice',
          claimName: 'alice-workspace',
          mountPath: '/home/dev',
        },
      }),
      { ...options, runtime: 'job' },
    ) as [V1Job];
    const volumeSpec = onVolume.spec!.template.spec!;
    assert.equal(
      volumeSpec.volumes?.find((volume) => volume.name === 'workspace')?.persistentVolumeClaim
        ?.claimName,
      'alice-workspace',
    );
    assert.equal(volumeSpec.containers[0]!.workingDir, '/home/dev');
    assert.equal(volumeSpec.initContainers, undefined);

    const [packed] = buildRunManifests(
      spec({ code: { kind: 'packedFolder', localPath: '/src' } }),
      { ...options, runtime: 'job', codeParts: 2 },
    ) as [V1Job];
    const packedSpec = packed.spec!.template.spec!;
    const sources =
      packedSpec.volumes?.find((volume) => volume.name === 'code-parts')?.projected?.sources ?? [];
    assert.deepEqual(
      sources.map((source) => source.secret?.name),
      ['train-a-code-0', 'train-a-code-1'],
    );
    assert.deepEqual(
      sources.map((source) => source.secret?.items?.[0]?.path),
      ['part-000', 'part-001'],
    );
    assert.match(
      packedSpec.initContainers![0]!.command!.join(' '),
      /cat \/kubeml\/code-parts\/part-\* \| tar -xzf - -C \/workspace/,
    );
    assert.equal(packedSpec.containers[0]!.workingDir, '/workspace');
    assertRestricted(packedSpec);
  });

  it('ships packed code in Secrets (hidden from the "view" role), never in ConfigMaps', () => {
    const secrets = buildCodeSecrets('train-a', 'ml-team', 'job', [
      new Uint8Array([1, 2, 3]),
      new Uint8Array([4]),
    ]);
    assert.deepEqual(
      secrets.map((secret) => `${secret.kind} ${secret.metadata?.name}`),
      ['Secret train-a-code-0', 'Secret train-a-code-1'],
    );
    assert.equal(secrets[0]!.data?.part, Buffer.from([1, 2, 3]).toString('base64'));
    assert.equal(secrets[1]!.metadata?.labels?.['kube-ml.dev/run'], 'train-a');
  });

  it('builds a PyTorchJob with a Master, workers-1 Workers and a pytorch container', () => {
    const [job] = buildRunManifests(spec({ workers: 3, gpusPerWorker: 8 }), {
      ...options,
      runtime: 'pytorchJob',
    }) as [CustomObject];
    assert.equal(job.apiVersion, 'kubeflow.org/v1');
    assert.equal(job.kind, 'PyTorchJob');
    const replicas = job.spec!.pytorchReplicaSpecs as Record<
      string,
      { replicas: number; template: { spec: V1PodSpec } }
    >;
    assert.equal(replicas.Master!.replicas, 1);
    assert.equal(replicas.Worker!.replicas, 2);
    assert.equal(replicas.Worker!.template.spec.containers[0]!.name, 'pytorch');
    assert.equal(
      replicas.Worker!.template.spec.containers[0]!.resources?.limits?.['nvidia.com/gpu'],
      '8',
    );
    assertRestricted(replicas.Master!.template.spec);
    assert.equal(job.spec!.nprocPerNode, '8');
  });

  it('builds a TrainJob against the torch-distributed runtime', () => {
    const [job] = buildRunManifests(spec({ workers: 2, gpusPerWorker: 4 }), {
      ...options,
      runtime: 'trainJob',
      queue: 'team-a',
    }) as [CustomObject];
    assert.equal(job.apiVersion, 'trainer.kubeflow.org/v1alpha1');
    assert.equal(job.kind, 'TrainJob');
    assert.equal((job.spec!.runtimeRef as { name: string }).name, 'torch-distributed');
    const trainer = job.spec!.trainer as {
      numNodes: number;
      numProcPerNode: number;
      image: string;
      command: string[];
      resourcesPerNode: { limits: Record<string, string> };
    };
    assert.equal(trainer.numNodes, 2);
    assert.equal(trainer.numProcPerNode, 4);
    assert.deepEqual(trainer.command, ['torchrun', 'train.py']);
    assert.equal(trainer.resourcesPerNode.limits['nvidia.com/gpu'], '4');
    assert.equal(job.metadata?.labels?.['kueue.x-k8s.io/queue-name'], 'team-a');
    assert.equal(runPodSelector('trainJob', 'train-a'), 'jobset.sigs.k8s.io/jobset-name=train-a');
  });

  it('builds a RayJob with a GPU-less head and GPU workers', () => {
    const [job] = buildRunManifests(spec({ workers: 2, gpusPerWorker: 2, args: ["it's", 'x y'] }), {
      ...options,
      runtime: 'rayJob',
    }) as [CustomObject];
    assert.equal(job.apiVersion, 'ray.io/v1');
    assert.equal(job.spec!.entrypoint, `python train.py 'it'\\''s' 'x y'`);
    const cluster = job.spec!.rayClusterSpec as {
      headGroupSpec: { template: { spec: V1PodSpec } };
      workerGroupSpecs: { replicas: number; template: { spec: V1PodSpec } }[];
    };
    assert.equal(cluster.headGroupSpec.template.spec.containers[0]!.resources, undefined);
    assert.equal(cluster.workerGroupSpecs[0]!.replicas, 2);
    assert.equal(
      cluster.workerGroupSpecs[0]!.template.spec.containers[0]!.resources?.limits?.[
        'nvidia.com/gpu'
      ],
      '2',
    );
    assertRestricted(cluster.workerGroupSpecs[0]!.template.spec);
  });

  it('quotes shell words and swaps python for torchrun only when distributed', () => {
    assert.equal(shellQuote('a-b/c.py'), 'a-b/c.py');
    assert.equal(shellQuote('$(rm -rf)'), `'$(rm -rf)'`);
    assert.deepEqual(
      launchCommand({ command: ['python3', '-m', 'pkg.train'], workers: 2, gpusPerWorker: 1 }),
      ['torchrun', '-m', 'pkg.train'],
    );
    assert.deepEqual(launchCommand({ command: ['bash', 'run.sh'], workers: 2, gpusPerWorker: 1 }), [
      'bash',
      'run.sh',
    ]);
    assert.deepEqual(launchCommand({ command: ['python', 'x.py'], workers: 1, gpusPerWorker: 1 }), [
      'python',
      'x.py',
    ]);
  });
});
