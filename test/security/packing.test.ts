import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { fileListText } from '../../src/common/model/fileListing';
import { pathInsideFolder } from '../../src/common/model/workspacePath';
import { packLocalFolder } from '../../src/jobs/folderPacker';
import { parseJobFile } from '../../src/jobs/model/jobFile';
import { buildCodeSecrets, buildRunManifests } from '../../src/jobs/model/manifests';
import { packSummaryText } from '../../src/jobs/model/packSummary';
import { defaultJobSpec } from '../../src/jobs/model/jobSpec';
import { submitAccess } from '../../src/jobs/submit';
import { parseEndpointFile } from '../../src/serving/model/endpointFile';
import { scanLocalModel } from '../../src/serving/modelUpload';
import { rejectionOf } from './rejectionOf';

/** A value no packed archive may contain: it sits only in the secret files below. */
const SECRET = 'AKIA-SECRET-VALUE-0123456789';

const SECRET_FILES = [
  '.env',
  'config/.env.production',
  '.aws/credentials',
  '.ssh/id_rsa',
  'id_ed25519',
  '.netrc',
  '.npmrc',
  '.git-credentials',
  'kubeconfig',
  'deploy/prod.kubeconfig',
  'certs/server.key',
  'certs/server.pem',
  '.docker/config.json',
  '.kube/config',
];

function write(root: string, relative: string, content: string): void {
  fs.mkdirSync(path.dirname(path.join(root, relative)), { recursive: true });
  fs.writeFileSync(path.join(root, relative), content);
}

describe('security: packing never ships local secrets', () => {
  let home: string;
  let workspace: string;

  beforeEach(() => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'kmw-home-'));
    workspace = path.join(home, 'projects', 'repo');
    write(home, '.ssh/id_rsa', SECRET);
    write(home, '.aws/credentials', SECRET);
    write(workspace, 'train.py', 'print("train")\n');
    write(workspace, 'src/model.py', 'import torch\n');
    write(workspace, '.env.example', 'TOKEN=\n');
    for (const file of SECRET_FILES) write(workspace, file, SECRET);
  });
  afterEach(() => fs.rmSync(home, { recursive: true, force: true }));

  it('a job file cannot point its folder outside the workspace', async () => {
    for (const escape of ['../../.ssh', '../..', path.join(home, '.aws')]) {
      const { code } = parseJobFile(
        `name: r\nimage: i\ncommand: python train.py\ncode: { source: folder, path: ${JSON.stringify(escape)} }\n`,
      );
      assert.equal(code.kind, 'packedFolder');
      const error = await rejectionOf(
        pathInsideFolder(workspace, code.kind === 'packedFolder' ? code.path : '', 'code.path'),
      );
      assert.equal(error.kind, 'invalidInput', escape);
      assert.match(error.message, /is outside the workspace folder/);
    }
    assert.equal(
      await pathInsideFolder(workspace, 'src', 'code.path'),
      fs.realpathSync(path.join(workspace, 'src')),
    );
    assert.equal(await pathInsideFolder(workspace, '.', 'code.path'), fs.realpathSync(workspace));
  });

  it('an endpoint file cannot point model.local outside the workspace, not even through a link', async () => {
    fs.symlinkSync(path.join(home, '.ssh'), path.join(workspace, 'weights'));
    for (const escape of ['../../.aws', path.join(home, '.ssh'), 'weights']) {
      const { file } = parseEndpointFile(
        `name: e\nruntime: vllm\nmodel: { local: ${JSON.stringify(escape)} }\n`,
      );
      assert.equal(file?.source.kind, 'local');
      const error = await rejectionOf(
        pathInsideFolder(
          workspace,
          file?.source.kind === 'local' ? file.source.path : '',
          'model.local',
        ),
      );
      assert.equal(error.kind, 'invalidInput', escape);
    }
  });

  it('leaves secret-looking files and links out of the packed folder, and names them', async () => {
    fs.symlinkSync(path.join(home, '.aws', 'credentials'), path.join(workspace, 'aws-link'));
    const packed = await packLocalFolder(workspace, 8);
    const archive = gunzipSync(Buffer.concat(packed.parts)).toString('latin1');
    assert.ok(!archive.includes(SECRET), 'a secret value reached the archive');
    assert.deepEqual(packed.summary.files.map((file) => file.path).sort(), [
      '.env.example',
      'src/model.py',
      'train.py',
    ]);
    const leftOut = packed.summary.leftOut.map((file) => `${file.path}: ${file.reason}`).sort();
    assert.ok(leftOut.includes('aws-link: link'));
    for (const secret of [
      '.env',
      'config/.env.production',
      '.aws: secret',
      '.ssh: secret',
      'id_ed25519',
      '.netrc',
      '.npmrc',
      '.git-credentials',
      'kubeconfig',
      'deploy/prod.kubeconfig',
      'certs/server.key',
      'certs/server.pem',
      '.docker/config.json',
      '.kube: secret',
    ]) {
      assert.ok(
        leftOut.some((entry) => entry === secret || entry === `${secret}: secret`),
        `${secret} is not reported as left out (${leftOut.join(', ')})`,
      );
    }
  });

  it('shows the file list, the total size and what stayed home before submitting', async () => {
    const packed = await packLocalFolder(workspace, 8);
    const text = packSummaryText(packed.summary);
    assert.match(text, /^3 files, \d+ KiB \(\d+ KiB compressed\), stored as Secrets/);
    assert.match(text, /train\.py \(1 KiB\)/);
    assert.match(text, /Left out .*\n {2}\.aws: looks like a secret/);
  });

  it('.kubemlignore can re-include a file it means to send', async () => {
    write(workspace, '.kubemlignore', '!.npmrc\n');
    const packed = await packLocalFolder(workspace, 8);
    assert.ok(packed.summary.files.some((file) => file.path === '.npmrc'));
  });

  it('ships packed code in Secrets, never in ConfigMaps', () => {
    const spec = defaultJobSpec({
      name: 'train-a',
      image: 'python:3.11',
      command: ['python', 'train.py'],
      code: { kind: 'packedFolder', localPath: workspace },
    });
    assert.deepEqual(
      buildCodeSecrets('train-a', 'ml', 'job', [new Uint8Array([1])]).map((object) => object.kind),
      ['Secret'],
    );
    const job = JSON.stringify(
      buildRunManifests(spec, { namespace: 'ml', runtime: 'job', codeParts: 2 }),
    );
    assert.ok(!job.includes('configMap'), 'the pod reads code from a ConfigMap');
    assert.deepEqual(
      submitAccess('job', 'ml', true)
        .map((query) => query.resource)
        .filter((resource) => resource !== 'jobs'),
      ['secrets', 'secrets'],
    );
  });

  it('a local model upload leaves secret-looking files out too, and lists what it sends', async () => {
    write(workspace, 'model/config.json', '{}');
    write(workspace, 'model/.env', SECRET);
    write(workspace, 'model/.git/config', SECRET);
    const model = await scanLocalModel(path.join(workspace, 'model'));
    assert.deepEqual(
      model.files.map((file) => file.path),
      ['config.json'],
    );
    assert.deepEqual(model.leftOut.map((file) => `${file.path}: ${file.reason}`).sort(), [
      '.env: secret',
      '.git: ignored',
    ]);
    assert.match(
      fileListText(
        '1 file',
        model.files.map((file) => ({ path: file.path, bytes: file.size })),
        model.leftOut,
      ),
      /config\.json \(1 KiB\)[^]*\.env: looks like a secret/,
    );
  });
});
