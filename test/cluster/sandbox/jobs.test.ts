import * as assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { createTestNamespace, deleteTestNamespace, sandboxKubeConfig, waitFor } from '../sandbox';

function job(name: string, annotations: Record<string, string>): k8s.V1Job {
  return {
    metadata: { name },
    spec: {
      backoffLimit: 0,
      template: {
        metadata: { annotations },
        spec: {
          restartPolicy: 'Never',
          containers: [{ name: 'main', image: 'python:3.11', command: ['python', 'train.py'] }],
        },
      },
    },
  };
}

describe('sandbox: Job pod durations', () => {
  const kubeConfig = sandboxKubeConfig('admin');
  const core = kubeConfig.makeApiClient(k8s.CoreV1Api);
  const batch = kubeConfig.makeApiClient(k8s.BatchV1Api);
  let namespace = '';

  before(async () => {
    namespace = await createTestNamespace('sandbox-jobs');
  });
  after(async () => {
    await deleteTestNamespace(namespace);
  });

  async function jobPod(jobName: string, phases: string[]): Promise<k8s.V1Pod> {
    return waitFor(
      async () => {
        const pods = await core.listNamespacedPod({
          namespace,
          labelSelector: `job-name=${jobName}`,
        });
        return pods.items.find((pod) => phases.includes(pod.status?.phase ?? ''));
      },
      30000,
      `a pod of job ${jobName} in ${phases.join('/')}`,
    );
  }

  it('runs a Job pod for run-seconds, then it Succeeds and the Job completes', async () => {
    await batch.createNamespacedJob({
      namespace,
      body: job('short', { 'sandbox.kube-ml.dev/run-seconds': '3' }),
    });
    const running = await jobPod('short', ['Running']);
    const succeeded = await jobPod('short', ['Succeeded']);
    const started = new Date(running.status?.startTime ?? 0).getTime();
    const finished = new Date(
      succeeded.status?.containerStatuses?.[0].state?.terminated?.finishedAt ?? 0,
    ).getTime();
    assert.ok(finished - started >= 2500, `ran ${finished - started} ms, expected about 3 s`);
    assert.equal(succeeded.status?.containerStatuses?.[0].state?.terminated?.exitCode, 0);
    await waitFor(
      async () => {
        const current = await batch.readNamespacedJob({ namespace, name: 'short' });
        return current.status?.conditions?.some(
          (c) => c.type === 'Complete' && c.status === 'True',
        );
      },
      30000,
      'the Job to be Complete',
    );
    const log = await core.readNamespacedPodLog({
      namespace,
      name: succeeded.metadata?.name ?? '',
      container: 'main',
    });
    assert.match(log, /Training completed/);
  });

  it('fails a Job pod with the exit code of sandbox.kube-ml.dev/exit-code', async () => {
    await batch.createNamespacedJob({
      namespace,
      body: job('broken', {
        'sandbox.kube-ml.dev/run-seconds': '1',
        'sandbox.kube-ml.dev/exit-code': '137',
      }),
    });
    const failed = await jobPod('broken', ['Failed']);
    assert.equal(failed.status?.containerStatuses?.[0].state?.terminated?.exitCode, 137);
    assert.equal(failed.status?.containerStatuses?.[0].state?.terminated?.reason, 'Error');
    await waitFor(
      async () => {
        const current = await batch.readNamespacedJob({ namespace, name: 'broken' });
        return current.status?.conditions?.some((c) => c.type === 'Failed' && c.status === 'True');
      },
      30000,
      'the Job to be Failed',
    );
  });

  it('keeps pods of Deployments Running and Ready', async () => {
    const apps = kubeConfig.makeApiClient(k8s.AppsV1Api);
    await apps.createNamespacedDeployment({
      namespace,
      body: {
        metadata: { name: 'server' },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: 'server' } },
          template: {
            metadata: { labels: { app: 'server' } },
            spec: { containers: [{ name: 'main', image: 'vllm/vllm-openai:v0.6.3' }] },
          },
        },
      },
    });
    await waitFor(
      async () =>
        (await apps.readNamespacedDeployment({ namespace, name: 'server' })).status
          ?.availableReplicas === 1,
      30000,
      'the Deployment to be Available',
    );
  });
});
