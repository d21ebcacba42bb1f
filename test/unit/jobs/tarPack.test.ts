import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { packRules } from '../../../src/common/model/packRules';
import { packFolder, packLimitBytes } from '../../../src/jobs/model/tarPack';

describe('jobs/tarPack', () => {
  let folder: string;
  beforeEach(() => {
    folder = fs.mkdtempSync(path.join(os.tmpdir(), 'kubeml-tar-'));
  });
  afterEach(() => fs.rmSync(folder, { recursive: true, force: true }));

  it('splits the gzip stream into parts that concatenate back to a valid archive', async () => {
    const entries = [
      { path: 'weights.bin', data: randomBytes(300_000) },
      { path: 'train.py', data: Buffer.from('x = 1\n'), executable: true },
    ];
    const packed = await packFolder(entries, packLimitBytes(8), 100_000);
    assert.equal(packed.parts.length, Math.ceil(packed.compressedBytes / 100_000));
    assert.ok(packed.parts.every((part) => part.byteLength <= 100_000));
    const joined = path.join(folder, 'joined.tgz');
    fs.writeFileSync(joined, Buffer.concat(packed.parts));
    assert.deepEqual(execFileSync('tar', ['-tzf', joined]).toString().trim().split('\n'), [
      'weights.bin',
      'train.py',
    ]);
    const out = path.join(folder, 'out');
    fs.mkdirSync(out);
    execFileSync('tar', ['-xzf', joined, '-C', out]);
    assert.deepEqual(fs.readFileSync(path.join(out, 'weights.bin')), entries[0].data);
    assert.ok(fs.statSync(path.join(out, 'train.py')).mode & 0o100, 'train.py stays executable');
  });

  it('refuses a folder past the limit, naming the largest files and the volume alternative', async () => {
    const entries = [
      { path: 'data/big.npy', data: randomBytes(2 * 1024 * 1024) },
      { path: 'train.py', data: Buffer.from('pass') },
    ];
    await assert.rejects(
      packFolder(entries, packLimitBytes(1)),
      (error: Error & { kind?: string; hint?: string }) =>
        error.kind === 'invalidInput' &&
        /above the 1\.00 MiB limit/.test(error.message) &&
        /data\/big\.npy \(2\.00 MiB\)/.test(error.message) &&
        /volume/.test(error.hint ?? ''),
    );
  });

  it('caps the setting at 32 MiB', () => {
    assert.equal(packLimitBytes(1000), 32 * 1024 * 1024);
    assert.equal(packLimitBytes(8), 8 * 1024 * 1024);
  });

  it('ignores VCS, caches, compiled files and .kubemlignore patterns (gitignore syntax)', () => {
    const rules = packRules('checkpoints/\n*.parquet\n# comment\ndata\n');
    assert.equal(rules.leftOut('.git', true), 'ignored');
    assert.equal(rules.leftOut('pkg/__pycache__/a.cpython-312.pyc', false), 'ignored');
    assert.equal(rules.leftOut('train.py', false), undefined);
    assert.equal(rules.leftOut('checkpoints', true), 'ignored');
    assert.equal(rules.leftOut('data/x.parquet', false), 'ignored');
    assert.equal(rules.leftOut('src/data.py', false), undefined);
  });

  it('leaves secret-looking files out unless .kubemlignore re-includes one', () => {
    const rules = packRules('');
    for (const secret of [
      '.env',
      'app/.env.local',
      '.aws',
      '.ssh',
      'id_rsa',
      'keys/id_ed25519',
      '.netrc',
      '.npmrc',
      '.git-credentials',
      'kubeconfig',
      'cluster.kubeconfig',
      'tls.key',
      'cert.pem',
      '.docker/config.json',
    ]) {
      assert.equal(rules.leftOut(secret, ['.aws', '.ssh'].includes(secret)), 'secret', secret);
    }
    assert.equal(rules.leftOut('.env.example', false), undefined);
    assert.equal(rules.leftOut('keys.py', false), undefined);
    assert.equal(packRules('!.npmrc\n').leftOut('.npmrc', false), undefined);
  });
});
