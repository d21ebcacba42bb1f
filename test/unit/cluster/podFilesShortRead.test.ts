import * as assert from 'node:assert/strict';
import { KubeConfig } from '@kubernetes/client-node';
import type { CommandResult } from '../../../src/cluster/exec';
import { PodFiles, PodFileError } from '../../../src/cluster/podFiles';

/** PodFiles whose read script answers from `answers` in turn: the exec transport is not what is tested. */
function filesAnswering(answers: readonly CommandResult[]): {
  files: PodFiles;
  calls: () => number;
} {
  const files = new PodFiles(new KubeConfig(), {
    namespace: 'ml-team',
    pod: 'dev-0',
    container: 'main',
  });
  let calls = 0;
  (files as unknown as { script: () => Promise<CommandResult> }).script = async () =>
    answers[Math.min(calls++, answers.length - 1)];
  return { files, calls: () => calls };
}

const version = '2026-12-07 10:00:00.123456789 +0000|10';
const read = (bytes: string): CommandResult => ({
  exitCode: 0,
  stdout: Buffer.from(bytes),
  stderr: Buffer.from(`${version}\n`),
});

describe('cluster/podFiles: a read cut short by the exec stream', () => {
  it('reads again when fewer bytes arrived than the file holds, and returns the whole file', async () => {
    const { files, calls } = filesAnswering([read('01234'), read('0123456789')]);
    const { content } = await files.readFile('/work/train.py');
    assert.equal(content.toString(), '0123456789');
    assert.equal(calls(), 2);
  });

  it('fails after three short reads instead of handing a cut file to the editor', async () => {
    const { files, calls } = filesAnswering([read('01234')]);
    await assert.rejects(files.readFile('/work/train.py'), (error: unknown) => {
      assert.ok(error instanceof PodFileError);
      assert.match(
        error.message,
        /^\/work\/train\.py: only 5 of 10 bytes arrived, 3 times; the connection to the pod cut the output short\. Try again\.$/,
      );
      return true;
    });
    assert.equal(calls(), 3);
  });

  it('accepts a file that grew while it was read', async () => {
    const { files, calls } = filesAnswering([read('0123456789AB')]);
    assert.equal((await files.readFile('/work/log.txt')).content.length, 12);
    assert.equal(calls(), 1);
  });
});
