// The simulated-GPU programs' own Go tests (device-plugin registration and Allocate against a
// fake kubelet over a Unix socket; nvidia-smi output), run with the image suite.
import * as assert from 'assert';
import { execFile } from 'child_process';
import { promisify } from 'util';

const run = promisify(execFile);

describe('sandbox GPU programs', function () {
  it('pass their Go tests', async function () {
    const env = { ...process.env, GOFLAGS: '-mod=mod', GOTOOLCHAIN: 'local', GOSUMDB: 'off' };
    const { stdout } = await run('nice', ['-n', '15', 'go', 'test', '-count=1', './...'], {
      cwd: 'scripts/sandbox/gpu',
      env,
      maxBuffer: 4 * 1024 * 1024,
    });
    assert.match(stdout, /^ok\s+kube-ml-workbench\/sandbox\/gpu\/deviceplugin/m);
    assert.match(stdout, /^ok\s+kube-ml-workbench\/sandbox\/gpu\/nvidiasmi/m);
  });
});
