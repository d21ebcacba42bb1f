import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tarBuffer, tarSize, tarStream, type TarFile } from '../../../src/cluster/tarArchive';
import { jobFiles, servingFiles } from './fixtures/tarInputs';

const FIXTURES = join(__dirname, 'fixtures');

/** Every path below `root` with its type, permission bits, mtime (files) and content. */
function tree(root: string): string[] {
  const rows: string[] = [];
  const walk = (folder: string, prefix: string) => {
    for (const name of readdirSync(folder).sort()) {
      const path = join(folder, name);
      const stat = lstatSync(path);
      const relative = `${prefix}${name}`;
      if (stat.isDirectory()) {
        rows.push(`dir ${relative} ${(stat.mode & 0o7777).toString(8)}`);
        walk(path, `${relative}/`);
      } else {
        rows.push(
          `${stat.isFile() ? 'file' : 'other'} ${relative} ${(stat.mode & 0o7777).toString(8)} ${stat.mtimeMs} ${readFileSync(path).toString('base64')}`,
        );
      }
    }
  };
  walk(root, '');
  return rows;
}

async function collect(stream: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return Buffer.concat(chunks);
}

describe('cluster/tarArchive', () => {
  let folder: string;
  beforeEach(() => (folder = mkdtempSync(join(tmpdir(), 'kubeml-tar-'))));
  afterEach(() => rmSync(folder, { recursive: true, force: true }));

  /** Lists and extracts both archives with the system tar (as the pods do: -o) and compares. */
  function assertExtractsLike(archive: Buffer, before: string): void {
    const ours = join(folder, 'ours.tar');
    writeFileSync(ours, archive);
    const listing = (file: string) => execFileSync('tar', ['-tvf', file]).toString();
    assert.equal(listing(ours), listing(before));
    const extract = (file: string, into: string) => {
      mkdirSync(into);
      execFileSync('tar', ['-x', '-o', '-f', file, '-C', into]);
      return tree(into);
    };
    const extracted = extract(ours, join(folder, 'ours'));
    assert.deepEqual(extracted, extract(before, join(folder, 'before')));
    assert.ok(extracted.length > 0);
  }

  it("a model upload extracts exactly as the hand-written writer's archive did", async () => {
    const files: TarFile[] = servingFiles.map((file) => ({
      path: file.path,
      size: file.data.length,
    }));
    const archive = await collect(
      tarStream(files, async function* (_file, index) {
        // In pieces, as a file is read from disk.
        const data = servingFiles[index].data;
        for (let offset = 0; offset < data.length; offset += 1000)
          yield data.subarray(offset, offset + 1000);
      }),
    );
    assertExtractsLike(archive, join(FIXTURES, 'serving-before.tar'));
    assert.equal(
      archive.length,
      await tarSize(files),
      'the size announced before sending is the size sent',
    );
  });

  it("a job's code folder extracts exactly as the hand-written writer's archive did, executables included", async () => {
    const archive = await tarBuffer(
      jobFiles.map((file) => ({
        path: file.path,
        data: file.data,
        mode: file.executable ? 0o755 : 0o644,
      })),
    );
    assertExtractsLike(archive, join(FIXTURES, 'jobs-before.tar'));
    assert.ok(lstatSync(join(folder, 'ours', 'run.sh')).mode & 0o100, 'run.sh stays executable');
  });

  for (const [what, data] of [
    ['grew', Buffer.alloc(12)],
    ['shrank', Buffer.alloc(8)],
  ] as const) {
    it(`fails with a clear error, not a corrupt archive, when a file ${what} while it was read`, async () => {
      let closed = false;
      const stream = tarStream([{ path: 'model.bin', size: 10 }], async function* () {
        try {
          yield data;
        } finally {
          closed = true;
        }
      });
      await assert.rejects(
        collect(stream),
        (error: Error & { kind?: string; summary?: string }) =>
          error.kind === 'invalidInput' &&
          error.summary ===
            `model.bin changed size while it was read (10 -> ${data.length} bytes).`,
      );
      assert.ok(closed, 'the read was ended');
    });
  }

  it('ends the reads when the consumer stops', async () => {
    let closed = false;
    const stream = tarStream([{ path: 'big.bin', size: 64 * 1024 * 1024 }], async function* () {
      try {
        for (;;) yield Buffer.alloc(64 * 1024);
      } finally {
        closed = true;
      }
    });
    for await (const chunk of stream) {
      assert.ok(chunk.byteLength > 0);
      break;
    }
    await new Promise<void>((resolve) => {
      const check = () => (closed ? resolve() : setImmediate(check));
      check();
    });
  });
});
