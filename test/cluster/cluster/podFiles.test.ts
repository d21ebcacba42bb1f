import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { PodFileError, PodFiles } from '../../../src/cluster/podFiles';
import { createTestNamespace, deleteTestNamespace, sandboxKubeConfig } from '../sandbox';
import { createLabelledPod } from '../testPods';

async function fileError(promise: Promise<unknown>): Promise<PodFileError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof PodFileError, `expected a PodFileError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the operation to fail');
}

describe('remote access: pod files over exec (sandbox)', function () {
  this.timeout(120_000);
  let namespace: string;
  let files: PodFiles;
  let root: string;

  before(async () => {
    namespace = await createTestNamespace('ra-files');
    await createLabelledPod(namespace, 'files-0', 'files');
    files = new PodFiles(sandboxKubeConfig('developer'), {
      namespace,
      pod: 'files-0',
      container: 'main',
    });
    root = `${await files.workingDirectory()}/roundtrip`;
    await files.createDirectory(root);
  });
  after(() => deleteTestNamespace(namespace));

  it('writes and reads back every byte value, and a 5 MiB file', async () => {
    const allBytes = Buffer.from(Array.from({ length: 256 * 4 }, (_, index) => index % 256));
    const written = await files.writeFile(`${root}/bytes.bin`, allBytes, {
      create: true,
      overwrite: false,
    });
    assert.equal(written.size, allBytes.length);
    assert.deepEqual((await files.readFile(`${root}/bytes.bin`)).content, allBytes);

    const big = randomBytes(5 * 1024 * 1024);
    await files.writeFile(`${root}/big.bin`, big, { create: true, overwrite: false });
    const back = await files.readFile(`${root}/big.bin`);
    assert.equal(back.content.length, big.length);
    assert.ok(back.content.equals(big), '5 MiB file differs after the round trip');
    assert.equal((await files.stat(`${root}/big.bin`)).size, big.length);
  });

  it('lists, stats, renames and deletes', async () => {
    await files.createDirectory(`${root}/dir`);
    await files.writeFile(`${root}/dir/a name.txt`, Buffer.from('hello'), {
      create: true,
      overwrite: false,
    });
    assert.deepEqual((await files.readDirectory(`${root}/dir`)).sort(), [['a name.txt', 'file']]);
    assert.equal((await files.stat(`${root}/dir`)).type, 'directory');
    await files.rename(`${root}/dir/a name.txt`, `${root}/dir/renamed.txt`, { overwrite: false });
    assert.deepEqual(await files.readDirectory(`${root}/dir`), [['renamed.txt', 'file']]);
    assert.equal((await files.readFile(`${root}/dir/renamed.txt`)).content.toString(), 'hello');
    await files.writeFile(`${root}/dir/other.txt`, Buffer.from('x'), {
      create: true,
      overwrite: false,
    });
    assert.equal(
      (
        await fileError(
          files.rename(`${root}/dir/other.txt`, `${root}/dir/renamed.txt`, { overwrite: false }),
        )
      ).code,
      'exists',
    );
    await files.rename(`${root}/dir/other.txt`, `${root}/dir/renamed.txt`, { overwrite: true });
    assert.equal((await files.readFile(`${root}/dir/renamed.txt`)).content.toString(), 'x');
    assert.equal(
      (await fileError(files.delete(`${root}/dir`, { recursive: false }))).code,
      'failed',
    );
    await files.delete(`${root}/dir`, { recursive: true });
    assert.equal((await fileError(files.stat(`${root}/dir`))).code, 'notFound');
  });

  it('maps errors: missing file, existing file, missing parent', async () => {
    assert.equal((await fileError(files.readFile(`${root}/missing.txt`))).code, 'notFound');
    assert.equal((await fileError(files.readDirectory(`${root}/missing`))).code, 'notFound');
    await files.writeFile(`${root}/once.txt`, Buffer.from('1'), { create: true, overwrite: false });
    assert.equal(
      (
        await fileError(
          files.writeFile(`${root}/once.txt`, Buffer.from('2'), { create: true, overwrite: false }),
        )
      ).code,
      'exists',
    );
    assert.equal(
      (
        await fileError(
          files.writeFile(`${root}/no/parent.txt`, Buffer.from('2'), {
            create: true,
            overwrite: true,
          }),
        )
      ).code,
      'notFound',
    );
    assert.equal((await fileError(files.createDirectory(`${root}/once.txt`))).code, 'exists');
    assert.equal((await fileError(files.readFile(root))).code, 'isADirectory');
  });

  it('refuses to overwrite a file changed behind its back, and leaves no temp file', async () => {
    await files.writeFile(`${root}/edit.txt`, Buffer.from('v1'), {
      create: true,
      overwrite: false,
    });
    const opened = await files.readFile(`${root}/edit.txt`);
    // Someone else saves a different version (different size) after we read it.
    await files.writeFile(`${root}/edit.txt`, Buffer.from('someone else'), {
      create: false,
      overwrite: true,
    });
    const conflict = await fileError(
      files.writeFile(`${root}/edit.txt`, Buffer.from('mine'), {
        create: false,
        overwrite: true,
        expectedVersion: opened.version,
      }),
    );
    assert.equal(conflict.code, 'conflict');
    assert.equal((await files.readFile(`${root}/edit.txt`)).content.toString(), 'someone else');
    const current = await files.readFile(`${root}/edit.txt`);
    await files.writeFile(`${root}/edit.txt`, Buffer.from('mine'), {
      create: false,
      overwrite: true,
      expectedVersion: current.version,
    });
    assert.equal((await files.readFile(`${root}/edit.txt`)).content.toString(), 'mine');
    const names = (await files.readDirectory(root)).map(([name]) => name);
    assert.ok(
      !names.some((name) => name.includes('.kubeml-')),
      `temp files left: ${names.join(', ')}`,
    );
  });
});
