import * as assert from 'node:assert/strict';
import {
  openShell,
  runCommand,
  SHELL_CANDIDATES,
  type ExecOutcome,
  type ShellSession,
} from '../../../src/cluster/exec';
import { ReconnectingShell } from '../../../src/terminals/reconnectingShell';
import { ApiServerRelay } from '../apiServerRelay';
import { createTestNamespace, deleteTestNamespace, sandboxKubeConfig, waitFor } from '../sandbox';
import { createLabelledPod } from '../testPods';
import { recordingLog } from '../../recordingLog';

describe('remote access: terminal over WebSocket exec (sandbox)', function () {
  this.timeout(90_000);
  const kubeConfig = sandboxKubeConfig('developer');
  let namespace: string;
  let shell: ShellSession | undefined;
  let output = '';
  let ended: ExecOutcome | undefined;

  before(async () => {
    namespace = await createTestNamespace('ra-term');
    await createLabelledPod(namespace, 'term-0', 'term');
  });
  after(async () => {
    shell?.close();
    await deleteTestNamespace(namespace);
  });

  it('runs bash with a TTY: a typed command answers, resize reaches the pty, Ctrl-C reaches the pty', async () => {
    const target = { namespace, pod: 'term-0', container: 'main' };
    shell = await openShell(
      kubeConfig,
      target,
      SHELL_CANDIDATES[0],
      { columns: 100, rows: 30 },
      {
        onOutput: (data) => (output += data.toString('utf8')),
        onEnd: (outcome) => (ended = outcome),
      },
    );
    shell.write('echo "answer=$((6*7)) term=$TERM"\r');
    await waitFor(
      () => output.includes('answer=42 term=xterm-256color'),
      15_000,
      'the echo output',
    );
    shell.write('stty size\r');
    await waitFor(() => output.includes('30 100'), 15_000, 'stty size 30 100');
    shell.resize(132, 43);
    await waitFor(
      async () => {
        shell!.write('stty size\r');
        return waitFor(() => output.includes('43 132'), 1_000, 'resize').catch(() => false);
      },
      15_000,
      'stty size 43 132 after resize',
    );
    // Ctrl-C travels as the byte 0x03 into the pty; its line discipline echoes it as "^C". (The
    // sandbox's KWOK exec gives bash no controlling terminal, so the signal itself is the runtime's
    // job: a real kubelet/CRI session turns this byte into SIGINT.)
    shell.write('sleep 1; echo after-""sleep\r');
    await waitFor(() => output.includes('after-""sleep'), 15_000, 'the typed command echoed');
    shell.write('\x03');
    await waitFor(() => output.includes('^C'), 15_000, 'the pty echoing Ctrl-C');
    await waitFor(() => output.includes('after-sleep\r\n'), 15_000, 'the command output');
    shell.write('exit 0\r');
    await waitFor(() => ended, 15_000, 'the shell to end');
    assert.deepEqual(ended, { kind: 'exited', exitCode: 0 });
    shell = undefined;
  });

  it('reports a missing executable as notFound, the trigger of the sh fallback', async () => {
    let outcome: ExecOutcome | undefined;
    await openShell(
      kubeConfig,
      { namespace, pod: 'term-0', container: 'main' },
      ['kube-ml-no-such-shell'],
      { columns: 80, rows: 24 },
      {
        onOutput: () => undefined,
        onEnd: (result) => (outcome = result),
      },
    );
    await waitFor(() => outcome, 15_000, 'the exec to end');
    assert.equal(outcome?.kind, 'notFound');
  });

  it('notices a connection that went silent (sleep) by its pings, reconnects by itself and says so', async () => {
    const relay = await ApiServerRelay.start();
    const relayed = relay.kubeConfig('developer');
    const target = { namespace, pod: 'term-0', container: 'main' };
    let text = '';
    const logged: string[] = [];
    const terminal = new ReconnectingShell({
      kubeConfig: () => relayed,
      resolveTarget: async () => target,
      initialTarget: target,
      onActivity: () => undefined,
      log: recordingLog(logged),
      write: (data) => (text += data),
      exit: () => undefined,
      heartbeat: { intervalMs: 200, timeoutMs: 2000 },
    });
    try {
      terminal.open({ columns: 100, rows: 30 });
      terminal.input('echo "first=$((1+1))"\r');
      await waitFor(() => text.includes('first=2'), 15_000, 'the first shell to answer');
      // The shell is idle now: whatever the API server sends are answers to the pings.
      const answered = relay.chunksFromServer;
      await waitFor(() => relay.chunksFromServer >= answered + 3, 15_000, 'three pings answered');
      assert.doesNotMatch(text, /Connection to the pod lost/, 'a live connection is left alone');
      relay.freeze();
      await waitFor(
        () => text.includes('Reconnected to term-0/main: this is a new shell.'),
        20_000,
        'the terminal to reconnect by itself',
      );
      assert.match(
        text,
        /Connection to the pod lost: no answer to a ping for 2 s: the connection is dead/,
      );
      assert.ok(
        text.indexOf('Connection to the pod lost') < text.indexOf('Reconnecting') &&
          text.indexOf('Reconnecting') < text.indexOf('Reconnected to'),
        text,
      );
      terminal.input('echo "second=$((2+2))"\r');
      await waitFor(() => text.includes('second=4'), 15_000, 'the new shell to answer');
      assert.ok(
        logged.some((message) => /lost its connection: no answer to a ping/.test(message)),
        logged.join('\n'),
      );
    } finally {
      terminal.dispose();
      await relay.close();
    }
  });

  it('runs an argv to completion with its exit code and binary-safe output', async () => {
    const result = await runCommand(kubeConfig, { namespace, pod: 'term-0', container: 'main' }, [
      'sh',
      '-c',
      'printf "\\000\\377ok"; echo err >&2; exit 4',
    ]);
    assert.equal(result.exitCode, 4);
    assert.deepEqual([...result.stdout], [0, 255, 0x6f, 0x6b]);
    assert.equal(result.stderr.toString().trim(), 'err');
  });
});
