import * as assert from 'node:assert/strict';
import {
  TrainingMetricsParser,
  normaliseMetricName,
} from '../../../../src/cluster/logs/trainingMetrics';

describe('TrainingMetricsParser', () => {
  it('reads Hugging Face Trainer dict lines, stepping by the progress bar when present', () => {
    const parser = new TrainingMetricsParser();
    assert.equal(parser.push(' 10%|█         | 10/100 [00:05<00:45,  2.00it/s]'), undefined);
    const sample = parser.push(
      "{'loss': 2.3456, 'grad_norm': 1.234, 'learning_rate': 4.9e-05, 'epoch': 0.1}",
    );
    assert.deepEqual(sample, {
      step: 10,
      values: { loss: 2.3456, grad_norm: 1.234, learning_rate: 4.9e-5, epoch: 0.1 },
    });
    const evalSample = parser.push(
      "{'eval_loss': 1.98, 'eval_runtime': 3.2, 'eval_samples_per_second': 100.5, 'epoch': 0.1}",
    );
    assert.deepEqual(evalSample, { step: 10, values: { eval_loss: 1.98, epoch: 0.1 } });
  });

  it('counts Trainer lines when there is no progress bar and ignores the final summary', () => {
    const parser = new TrainingMetricsParser();
    assert.equal(parser.push("{'loss': 2.0, 'learning_rate': 5e-05, 'epoch': 0.01}")?.step, 0);
    assert.equal(parser.push("{'loss': 1.9, 'learning_rate': 4.9e-05, 'epoch': 0.02}")?.step, 1);
    assert.equal(
      parser.push(
        "{'train_runtime': 120.5, 'train_samples_per_second': 8.3, 'train_loss': 1.5, 'epoch': 3.0}",
      ),
      undefined,
    );
  });

  it('finds a Trainer dict glued to a tqdm redraw with carriage returns', () => {
    const parser = new TrainingMetricsParser();
    const samples = parser.pushAll(
      " 49%|████▉     | 49/100 [00:20<00:21]\r 50%|█████     | 50/100 [00:21<00:20]{'loss': 1.5, 'learning_rate': 2.5e-05, 'epoch': 0.5}",
    );
    assert.deepEqual(samples, [
      { step: 50, values: { loss: 1.5, learning_rate: 2.5e-5, epoch: 0.5 } },
    ]);
  });

  it('reads PyTorch Lightning progress-bar postfixes as global steps, once per redraw change', () => {
    const parser = new TrainingMetricsParser();
    const line =
      'Epoch 1:  45%|████▌     | 45/100 [00:10<00:12,  4.50it/s, v_num=0, train_loss_step=1.23]\rEpoch 1:  46%|████▌     | 46/100 [00:10<00:12,  4.50it/s, v_num=0, train_loss_step=1.20]\rEpoch 1:  46%|████▌     | 46/100 [00:10<00:12,  4.50it/s, v_num=0, train_loss_step=1.20]';
    const samples = parser.pushAll(line);
    assert.deepEqual(samples, [
      { step: 145, values: { loss: 1.23 } },
      { step: 146, values: { loss: 1.2 } },
    ]);
  });

  it('reads JSON lines with an explicit step', () => {
    const parser = new TrainingMetricsParser();
    assert.deepEqual(
      parser.push('{"step": 300, "loss": 0.75, "lr": 0.0001, "tokens/s": 51200.5, "note": "x"}'),
      { step: 300, values: { loss: 0.75, learning_rate: 1e-4, tokens_per_second: 51200.5 } },
    );
  });

  it('reads key=value and key: value lines', () => {
    const parser = new TrainingMetricsParser();
    assert.deepEqual(
      parser.push('2024-05-01 12:00:00 INFO step=120 loss=2.31 lr=3e-4 grad_norm=0.9 tok/s=10240'),
      {
        step: 120,
        values: { loss: 2.31, learning_rate: 3e-4, grad_norm: 0.9, tokens_per_second: 10240 },
      },
    );
    assert.deepEqual(parser.push('Step 130/1000 | loss: 2.25 | val_loss: 2.4 | lr: 2.9e-04'), {
      step: 130,
      values: { loss: 2.25, eval_loss: 2.4, learning_rate: 2.9e-4 },
    });
  });

  it('strips ANSI colours before parsing', () => {
    const parser = new TrainingMetricsParser();
    assert.deepEqual(parser.push('\x1b[32mstep=5\x1b[0m \x1b[1mloss=0.5\x1b[0m'), {
      step: 5,
      values: { loss: 0.5 },
    });
  });

  it('ignores unknown formats and malformed input without throwing', () => {
    const parser = new TrainingMetricsParser();
    for (const line of [
      'Downloading model.safetensors: 100%',
      'pod=abc count=3 retries=2',
      '{"loss": ',
      "{'loss': nan}",
      '{not json}',
      '',
      'a'.repeat(10000) + ' loss=1',
      '[1, 2, 3]',
      '{"loss": "high"}',
    ]) {
      assert.equal(parser.push(line), undefined, line.slice(0, 40));
    }
    assert.deepEqual(parser.pushAll(undefined as unknown as string), []);
  });

  it('normalises metric names', () => {
    assert.equal(normaliseMetricName('train/loss'), 'loss');
    assert.equal(normaliseMetricName('validation_loss'), 'eval_loss');
    assert.equal(normaliseMetricName('LR'), 'learning_rate');
    assert.equal(normaliseMetricName('tokens_per_sec'), 'tokens_per_second');
  });
});
