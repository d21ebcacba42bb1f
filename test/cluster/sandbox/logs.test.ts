import * as assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import * as k8s from '@kubernetes/client-node';
import {
  createTestNamespace,
  deleteTestNamespace,
  sandboxKubeConfig,
  waitFor,
  waitForPodPhase,
} from '../sandbox';
import { trainingPod } from './testPods';

const TRAINER_LINE =
  /\{'loss': ([\d.]+), 'grad_norm': [\d.]+, 'learning_rate': [\d.e-]+, 'epoch': [\d.]+\}/g;

describe('sandbox: logs', () => {
  const kubeConfig = sandboxKubeConfig('admin');
  const core = kubeConfig.makeApiClient(k8s.CoreV1Api);
  let namespace = '';

  before(async () => {
    namespace = await createTestNamespace('sandbox-logs');
    await core.createNamespacedPod({ namespace, body: trainingPod('trainer', 1) });
    await waitForPodPhase(namespace, 'trainer');
  });
  after(async () => {
    await deleteTestNamespace(namespace);
  });

  it('follows a growing Hugging Face Trainer log', async () => {
    let text = '';
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        text += chunk.toString('utf8');
        done();
      },
    });
    const abort = await waitFor(
      () =>
        new k8s.Log(kubeConfig).log(namespace, 'trainer', 'main', sink, {
          follow: true,
          timestamps: true,
        }),
      10000,
      'the log stream to open',
    );
    try {
      await waitFor(
        () => (text.match(TRAINER_LINE) ?? []).length >= 3,
        15000,
        'three Trainer dict lines while following',
      );
      const before = (text.match(TRAINER_LINE) ?? []).length;
      await waitFor(
        () => (text.match(TRAINER_LINE) ?? []).length > before,
        5000,
        'the followed log to keep growing',
      );
    } finally {
      abort.abort();
    }
    assert.match(text, /\*\*\*\*\* Running training \*\*\*\*\*/);
    assert.match(text, /\r\s*\d+%\|.*\| \d+\/\d+ \[/, 'tqdm progress with a carriage return');
    assert.match(
      text,
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[.\d]*Z /m,
      'RFC3339 timestamps when asked for',
    );
  });

  it('serves the previous container log and stderr lines', async () => {
    const previous = await core.readNamespacedPodLog({
      namespace,
      name: 'trainer',
      container: 'main',
      previous: true,
    });
    assert.match(previous, /OutOfMemoryError/);
    const current = await core.readNamespacedPodLog({
      namespace,
      name: 'trainer',
      container: 'main',
    });
    assert.match(current, /FutureWarning/);
  });
});
