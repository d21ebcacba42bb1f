import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MAX_TOKEN_FILE_BYTES, kubeconfigHeaders } from '../../../src/cluster/kubeconfigHeaders';

describe('kubeconfig headers: tokenFile', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kmw-token-file-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('sends the trimmed token of the file, ahead of token', () => {
    const file = path.join(dir, 'token');
    fs.writeFileSync(file, 'from-file\n');
    assert.equal(
      kubeconfigHeaders({ name: 'u', token: 'inline', tokenFile: file }, null, true).Authorization,
      'Bearer from-file',
    );
  });

  it('refuses a file larger than any token instead of reading it whole, and names the file', () => {
    const file = path.join(dir, 'huge');
    fs.writeFileSync(file, Buffer.alloc(MAX_TOKEN_FILE_BYTES + 10, 'a'));
    assert.throws(
      () => kubeconfigHeaders({ name: 'u', tokenFile: file }, null, true),
      (error: { kind?: string; summary?: string }) =>
        error.kind === 'malformedKubeconfig' &&
        (error.summary ?? '').includes(file) &&
        (error.summary ?? '').includes('larger than 64 KiB'),
    );
  });
});
