import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tarSize, tarStream } from '../../../src/cluster/tarArchive';
import {
  chunkFiles,
  filesToSend,
  LIST_CHECKSUMS_SCRIPT,
  parseChecksums,
  PUBLISH_SCRIPT,
  RECEIVE_CHUNK_SCRIPT,
  safeRelativePath,
  stagingPath,
} from '../../../src/serving/model/uploadPlan';

const hex = (character: string) => character.repeat(64);

describe('upload plan', () => {
  it('sends only files whose remote checksum is missing or different', () => {
    const local = [
      { path: 'a', size: 1, sha256: hex('a') },
      { path: 'b', size: 1, sha256: hex('b') },
      { path: 'c', size: 1, sha256: hex('c') },
    ];
    assert.deepEqual(
      filesToSend(
        local,
        new Map([
          ['a', hex('a')],
          ['b', hex('f')],
        ]),
      ).map((file) => file.path),
      ['b', 'c'],
    );
  });

  it('parses sha256sum output, including escaped names', () => {
    const sums = parseChecksums(
      `${hex('a')}  ./config.json\n${hex('b')}  ./sub/model.safetensors\n\\${hex('c')}  ./we\\\\ird\nnot a line\n`,
    );
    assert.equal(sums.get('config.json'), hex('a'));
    assert.equal(sums.get('sub/model.safetensors'), hex('b'));
    assert.equal(sums.get('we\\ird'), hex('c'));
  });

  it('groups files into chunks of about the chunk size', () => {
    const file = (path: string, size: number) => ({ path, size, sha256: hex('0') });
    assert.deepEqual(
      chunkFiles([file('a', 40), file('b', 40), file('c', 100), file('d', 10)], 64).map((chunk) =>
        chunk.map((entry) => entry.path),
      ),
      [['a'], ['b'], ['c'], ['d']],
    );
    assert.deepEqual(
      chunkFiles([file('a', 20), file('b', 20), file('c', 30)], 64).map((chunk) => chunk.length),
      [2, 1],
    );
  });

  it('keeps staging next to the target and refuses unsafe paths', () => {
    assert.equal(stagingPath('models/llama'), 'models/.llama.kubeml-upload');
    assert.equal(safeRelativePath('a/b.bin'), true);
    assert.equal(safeRelativePath('../x'), false);
    assert.equal(safeRelativePath('/etc/passwd'), false);
  });

  it('receives, verifies and publishes through the scripts with a real shell, arguments never spliced', async () => {
    const volume = mkdtempSync(join(tmpdir(), 'kubeml-volume-'));
    try {
      const name = "it's; rm -rf x";
      const data = Buffer.from('weights');
      const chunks: Uint8Array[] = [];
      for await (const chunk of tarStream([{ path: name, size: data.length }], async function* () {
        yield data;
      }))
        chunks.push(chunk);
      const archive = Buffer.concat([...chunks, Buffer.from('trailing bytes never read')]);
      assert.equal(await tarSize([{ path: name, size: data.length }]), archive.length - 25);
      const staging = stagingPath('models/m');
      const received = execFileSync(
        'sh',
        ['-c', RECEIVE_CHUNK_SCRIPT, 'sh', staging, String(archive.length - 25), name],
        { cwd: volume, input: archive },
      ).toString();
      assert.equal(parseChecksums(received).get(name)?.length, 64);
      const listed = parseChecksums(
        execFileSync('sh', ['-c', LIST_CHECKSUMS_SCRIPT, 'sh', staging], {
          cwd: volume,
        }).toString(),
      );
      assert.deepEqual([...listed.keys()], [name]);
      execFileSync('sh', ['-c', PUBLISH_SCRIPT, 'sh', staging, 'models/m'], { cwd: volume });
      assert.deepEqual(readFileSync(join(volume, 'models/m', name)), data);
      // Publishing again without a staging folder fails and leaves the published model intact.
      assert.throws(() =>
        execFileSync('sh', ['-c', PUBLISH_SCRIPT, 'sh', staging, 'models/m'], {
          cwd: volume,
          stdio: 'pipe',
        }),
      );
      assert.deepEqual(readFileSync(join(volume, 'models/m', name)), data);
    } finally {
      rmSync(volume, { recursive: true, force: true });
    }
  });
});
