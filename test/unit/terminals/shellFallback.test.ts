import * as assert from 'node:assert/strict';
import type { V1Status } from '@kubernetes/client-node';
import { classifyExecStatus, nextShellAttempt, SHELL_CANDIDATES } from '../../../src/cluster/exec';
import {
  connectionLostText,
  shellEndedText,
  terminalName,
} from '../../../src/terminals/model/terminalText';

const kwokMissing: V1Status = {
  status: 'Failure',
  reason: 'InternalError',
  message:
    'error executing command in container: cmd start: bash : exec: "bash": executable file not found in $PATH',
};
const kubeletExit = (code: number): V1Status => ({
  status: 'Failure',
  reason: 'NonZeroExitCode',
  message: `command terminated with non-zero exit code: ${code}`,
  details: { causes: [{ reason: 'ExitCode', message: String(code) }] },
});

describe('exec status and the bash -> sh fallback', () => {
  it('tries bash first, then sh', () => {
    assert.ok(SHELL_CANDIDATES[0].includes('bash'));
    assert.ok(SHELL_CANDIDATES[1].includes('sh') && !SHELL_CANDIDATES[1].includes('bash'));
  });

  it('falls back to sh when bash is not in the image (runtime error text)', () => {
    const outcome = classifyExecStatus(kwokMissing, false);
    assert.equal(outcome.kind, 'notFound');
    assert.equal(nextShellAttempt(0, outcome), 1);
  });

  it('falls back when env reports 127 before any output (kubelet ExitCode cause)', () => {
    const outcome = classifyExecStatus(kubeletExit(127), false);
    assert.equal(outcome.kind, 'notFound');
    assert.equal(nextShellAttempt(0, outcome), 1);
  });

  it('does not fall back when an interactive shell ends with 127 after output', () => {
    const outcome = classifyExecStatus(kubeletExit(127), true);
    assert.deepEqual(outcome, {
      kind: 'exited',
      exitCode: 127,
      message: 'command terminated with non-zero exit code: 127',
    });
    assert.equal(nextShellAttempt(0, outcome), undefined);
  });

  it('reads the exit code from a KWOK-style message', () => {
    const outcome = classifyExecStatus(
      { status: 'Failure', message: 'cmd wait: sh -c exit 3: exit status 3' },
      true,
    );
    assert.equal(outcome.kind, 'exited');
    assert.equal(outcome.kind === 'exited' && outcome.exitCode, 3);
  });

  it('treats success as exit 0 and a missing status as a dropped connection', () => {
    assert.deepEqual(classifyExecStatus({ status: 'Success' }, true), {
      kind: 'exited',
      exitCode: 0,
    });
    assert.equal(classifyExecStatus(undefined, true).kind, 'dropped');
    assert.equal(nextShellAttempt(0, classifyExecStatus(undefined, false)), undefined);
  });

  it('stops after the last candidate', () => {
    assert.equal(
      nextShellAttempt(SHELL_CANDIDATES.length - 1, { kind: 'notFound', message: 'x' }),
      undefined,
    );
  });
});

describe('terminal text', () => {
  it('names terminals pod/container', () => {
    assert.equal(terminalName('dev-alice-0', 'main'), 'dev-alice-0/main');
  });
  it('says the connection dropped and that the terminal reconnects', () => {
    const text = connectionLostText('connection closed (1006)');
    assert.match(text, /Connection to the pod lost: connection closed \(1006\)/);
    assert.match(text, /Reconnecting/);
  });
  it('says how to start a new shell after one exited with an error', () => {
    assert.match(
      shellEndedText(130, 'command terminated with non-zero exit code: 130'),
      /exited with code 130.*\r\n.*Press any key to start a new shell/s,
    );
  });
  it("gives the server's reason when the exec failed without an exit code", () => {
    const outcome = classifyExecStatus(
      { status: 'Failure', message: 'no exec found for container "main" in pod "team/dev-0"' },
      false,
    );
    assert.ok(outcome.kind === 'exited');
    const text = shellEndedText(outcome.exitCode, outcome.message ?? '');
    assert.match(
      text,
      /The shell could not run: no exec found for container "main" in pod "team\/dev-0"\./,
    );
    assert.doesNotMatch(text, /code -1/);
  });
});
