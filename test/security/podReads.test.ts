import * as assert from 'node:assert/strict';
import { DEFAULT_MAX_OUTPUT_BYTES, runCommand } from '../../src/cluster/exec';
import { PodFileError, PodFiles } from '../../src/cluster/podFiles';
import { createTestNamespace, deleteTestNamespace, sandboxKubeConfig } from '../cluster/sandbox';
import { createLabelledPod } from '../cluster/testPods';
import { rejectionOf } from './rejectionOf';

describe('security: reads from a pod are bounded (sandbox)', function () {
  this.timeout(120_000);
  let namespace: string;
  let files: PodFiles;
  const target = () => ({ namespace, pod: 'reads-0', container: 'main' });

  before(async () => {
    namespace = await createTestNamespace('sec-reads');
    await createLabelledPod(namespace, 'reads-0', 'reads');
    files = new PodFiles(sandboxKubeConfig('developer'), target());
  });
  after(() => deleteTestNamespace(namespace));

  it('kubeml:// refuses /dev/zero and other non-regular files instead of reading forever', async () => {
    const error = await rejectionOf(files.readFile('/dev/zero'));
    assert.ok(error instanceof PodFileError);
    assert.equal(error.code, 'notARegularFile');
  });

  it('kubeml:// refuses a file above the read limit, and reads one at the limit', async () => {
    const folder = await files.workingDirectory();
    await runCommand(sandboxKubeConfig('developer'), target(), [
      'sh',
      '-c',
      'head -c 4096 /dev/zero > "$1/limit.bin"; head -c 4097 /dev/zero > "$1/over.bin"',
      'sh',
      folder,
    ]);
    assert.equal(
      (await files.readFile(`${folder}/limit.bin`, undefined, 4096)).content.length,
      4096,
    );
    const error = await rejectionOf(files.readFile(`${folder}/over.bin`, undefined, 4096));
    assert.equal((error as PodFileError).code, 'tooLarge');
  });

  it('a command that prints without end is stopped at the default output bound', async () => {
    const error = await rejectionOf(
      runCommand(sandboxKubeConfig('developer'), target(), ['cat', '/dev/zero']),
    );
    assert.match(error.message, /more than 16 MiB of output/);
  });

  it('a caller that needs more output says so', async () => {
    const result = await runCommand(
      sandboxKubeConfig('developer'),
      target(),
      ['head', '-c', String(20 * 1024 * 1024), '/dev/zero'],
      { maxOutputBytes: 32 * 1024 * 1024 },
    );
    assert.equal(result.exitCode, 0);
    // Past the default bound, so the caller's bound held. Not "exactly 20 MiB": an exec stream can end
    // before all of its output arrived (kubernetes/kubernetes#124571; kubectl too). Readers that
    // must have everything check the size they expect (PodFiles.readFile).
    assert.ok(result.stdout.length > DEFAULT_MAX_OUTPUT_BYTES, `${result.stdout.length} bytes`);
  });
});
