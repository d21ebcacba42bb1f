// The agent stops the sshd of a pod that went, and only that one: two real OpenSSH sshds listen
// on one pod IP (as after the IP was reused, or in a second sandbox), with different homes.
import * as assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { REAL_SSHD, stopSshdOfPod } from '../../../scripts/sandbox/agent/podSshd';
import { waitFor } from '../../waitFor';

const POD_IP = '127.64.250.9';

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: POD_IP, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Starts sshd as the Attach script does, its host key under `home`; resolves once it listens. */
async function startSshd(home: string, port: number): Promise<void> {
  const dir = path.join(home, '.kube-ml', 'ssh');
  fs.mkdirSync(dir, { recursive: true });
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(dir, 'host_key')]);
  fs.mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const started = spawnSync(REAL_SSHD, [
    ...['-f', '/dev/null', '-h', path.join(dir, 'host_key'), '-p', String(port)],
    ...['-o', `ListenAddress=${POD_IP}`, '-o', `PidFile=${path.join(dir, 'sshd.pid')}`],
  ]);
  assert.equal(started.status, 0, `sshd did not start: ${started.stderr}`);
  await waitFor(() => accepts(port), 10_000, `sshd on ${POD_IP}:${port}`);
}

describe('sandbox agent: stopping a pod sshd', function () {
  this.timeout(30_000);
  let gone: string;
  let staying: string;

  before(function () {
    assert.ok(
      fs.existsSync(REAL_SSHD),
      `${REAL_SSHD} is missing: run \`bash scripts/sandbox/install-sshd.sh\` (npm test does)`,
    );
    gone = fs.mkdtempSync(path.join(os.tmpdir(), 'kmw-sshd-gone-'));
    staying = fs.mkdtempSync(path.join(os.tmpdir(), 'kmw-sshd-staying-'));
  });

  after(() => {
    stopSshdOfPod(POD_IP, gone);
    stopSshdOfPod(POD_IP, staying);
    fs.rmSync(gone, { recursive: true, force: true });
    fs.rmSync(staying, { recursive: true, force: true });
  });

  it("stops the sshd with the gone pod's IP and home, and leaves another pod's sshd on the same IP", async () => {
    await startSshd(gone, 2922);
    await startSshd(staying, 2923);
    assert.deepEqual(stopSshdOfPod(POD_IP, gone), [POD_IP]);
    await waitFor(async () => !(await accepts(2922)), 10_000, 'the gone pod sshd to stop');
    assert.equal(await accepts(2923), true, "the other pod's sshd was stopped too");
  });
});
