// Saving a file of the kubeml:// workspace: through a symlink the link stays and the file it names
// gets the bytes; the temp file is never one a pod user could plant under a guessable name.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { runTextCommand } from '../../src/cluster/exec';
import { PodFiles, SCRIPTS } from '../../src/cluster/podFiles';
import {
  createTestNamespace,
  deleteTestNamespace,
  sandboxKubeConfig,
  waitFor,
} from '../cluster/sandbox';

describe('security: saving files in a pod', function () {
  this.timeout(90_000);

  describe('through the API server (sandbox)', () => {
    let admin: k8s.KubeConfig;
    let namespace: string;
    let files: PodFiles;
    let home: string;
    const shell = (script: string, ...args: string[]) =>
      runTextCommand(admin, files.target, ['sh', '-c', script, 'sh', ...args]);

    before(async () => {
      admin = sandboxKubeConfig('admin');
      namespace = await createTestNamespace('sec-files');
      const core = admin.makeApiClient(k8s.CoreV1Api);
      await core.createNamespacedPod({
        namespace,
        body: {
          metadata: { name: 'box' },
          spec: {
            containers: [{ name: 'main', image: 'python:3.11' }],
            terminationGracePeriodSeconds: 0,
          },
        },
      });
      await waitFor(
        async () =>
          (await core.readNamespacedPod({ namespace, name: 'box' })).status?.phase === 'Running',
        30_000,
        'pod box running',
      );
      files = new PodFiles(admin, { namespace, pod: 'box', container: 'main' });
      home = await waitFor(
        () => files.workingDirectory().catch(() => undefined),
        15_000,
        'exec in box',
      );
    });
    after(() => deleteTestNamespace(namespace));

    it('writes through a symlink: the link stays a link and its target gets the new bytes', async () => {
      await shell(
        'mkdir -p "$1/data" && printf old > "$1/data/config.yaml" && ln -sf data/config.yaml "$1/config.yaml"',
        home,
      );
      const { version } = await files.readFile(`${home}/config.yaml`);
      await files.writeFile(`${home}/config.yaml`, Buffer.from('new: true\n'), {
        create: false,
        overwrite: true,
        expectedVersion: version,
      });
      assert.equal(
        (await shell('[ -L "$1/config.yaml" ] && readlink "$1/config.yaml"', home)).stdout.trim(),
        'data/config.yaml',
      );
      assert.equal((await shell('cat "$1/data/config.yaml"', home)).stdout, 'new: true\n');
      assert.equal(
        (await files.readFile(`${home}/config.yaml`)).content.toString('utf8'),
        'new: true\n',
      );
      assert.equal(
        (await shell('ls -A "$1" "$1/data" | grep -c kubeml || true', home)).stdout.trim(),
        '0',
        'no temp file left behind',
      );
    });
  });

  describe('the write script on its own', () => {
    it('ignores a symlink planted where a pid-named temp file would go', () => {
      const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'kmw-plant-'));
      try {
        const victim = path.join(folder, 'victim');
        fs.writeFileSync(victim, 'untouched');
        // The script runs as pid 1 of a fresh pid namespace, so "$$" is known in advance; a pod user
        // who may write the folder plants the temp names a pid-based scheme would use.
        for (const name of ['.notes.txt.kubeml-1.tmp', '.notes.txt.kubeml-2.tmp'])
          fs.symlinkSync(victim, path.join(folder, name));
        const target = path.join(folder, 'notes.txt');
        execFileSync(
          'unshare',
          [
            '--user',
            '--map-root-user',
            '--pid',
            '--fork',
            'sh',
            '-c',
            SCRIPTS.write,
            'kubeml-write',
            target,
            '7',
            '',
            '1',
            '0',
          ],
          { input: 'payload' },
        );
        assert.equal(fs.readFileSync(victim, 'utf8'), 'untouched');
        assert.equal(fs.readFileSync(target, 'utf8'), 'payload');
      } finally {
        fs.rmSync(folder, { recursive: true, force: true });
      }
    });
  });
});
