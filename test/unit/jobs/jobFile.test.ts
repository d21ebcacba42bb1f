import * as assert from 'node:assert/strict';
import {
  commandAndArgs,
  parseJobFile,
  serializeJobFile,
  splitCommandLine,
} from '../../../src/jobs/model/jobFile';
import { spec } from './fixtures';

describe('jobs/jobFile', () => {
  it('parses a full file', () => {
    const { spec: parsed, code } = parseJobFile(`
name: finetune
image: pytorch/pytorch:2.4.0
command: python -m trainer.main
args: [--lr, 0.0001, --epochs, 3]
gpusPerWorker: 8
workers: 2
gpuProduct: NVIDIA-H100-80GB-HBM3
code: { source: devPodVolume, devPod: alice }
runtime: indexedJob
queue: team-a
env: { WANDB_MODE: offline }
podAnnotations: { sandbox.kube-ml.dev/run-seconds: 5 }
`);
    assert.deepEqual(parsed.command, ['python', '-m', 'trainer.main']);
    assert.deepEqual(parsed.args, ['--lr', '0.0001', '--epochs', '3']);
    assert.equal(parsed.workers, 2);
    assert.equal(parsed.runtime, 'indexedJob');
    assert.equal(parsed.masterPort, 29500);
    assert.equal(parsed.restrictedPodSecurity, true);
    assert.deepEqual(parsed.podAnnotations, { 'sandbox.kube-ml.dev/run-seconds': '5' });
    assert.deepEqual(code, { kind: 'devPodVolume', devPod: 'alice' });
  });

  it('defaults the code source to the folder holding .kubeml', () => {
    assert.deepEqual(parseJobFile('name: a\nimage: img\ncommand: [python, t.py]\n').code, {
      kind: 'packedFolder',
      path: '.',
    });
  });

  it('rejects unknown fields, bad values and invalid YAML with the field named', () => {
    assert.throws(
      () => parseJobFile('name: a\nimage: i\ncommand: x\ngpus: 2\n'),
      /unknown field\(s\) "gpus"/,
    );
    assert.throws(
      () => parseJobFile('name: a\nimage: i\ncommand: x\nruntime: slurm\n'),
      /"runtime" is "slurm"/,
    );
    assert.throws(() => parseJobFile('name: A\nimage: i\ncommand: x\n'), /DNS-1123/);
    assert.throws(() => parseJobFile('name: [a\n'), /not valid YAML/);
    assert.throws(() => parseJobFile('image: i\n'), /"name", "image" and "command" are required/);
    assert.throws(
      () => parseJobFile('name: a\nimage: i\ncommand: x\ncode: { source: s3 }\n'),
      /code.source/,
    );
  });

  it('round-trips through serialize', () => {
    const original = spec({ gpusPerWorker: 2, workers: 3, env: { A: '1' }, queue: 'q' });
    const text = serializeJobFile(original, { kind: 'packedFolder', path: 'src' });
    const { spec: parsed, code } = parseJobFile(text);
    assert.deepEqual(code, { kind: 'packedFolder', path: 'src' });
    assert.deepEqual({ ...parsed, code: undefined }, { ...original, code: undefined });
  });

  it('splits command lines with quotes', () => {
    assert.deepEqual(splitCommandLine(`python train.py --name "my run" --tag 'a b' x\\ y`), [
      'python',
      'train.py',
      '--name',
      'my run',
      '--tag',
      'a b',
      'x y',
    ]);
    assert.deepEqual(splitCommandLine(`--empty ""`), ['--empty', '']);
    assert.throws(() => splitCommandLine('python "unterminated'), /unclosed " quote/);
  });

  it('separates the command from its arguments', () => {
    assert.deepEqual(commandAndArgs('python train.py --epochs 3'), {
      command: ['python', 'train.py'],
      args: ['--epochs', '3'],
    });
    assert.deepEqual(commandAndArgs('python3 -m pkg.train --lr 1e-4'), {
      command: ['python3', '-m', 'pkg.train'],
      args: ['--lr', '1e-4'],
    });
    assert.deepEqual(commandAndArgs('bash run.sh a'), { command: ['bash'], args: ['run.sh', 'a'] });
  });
});
