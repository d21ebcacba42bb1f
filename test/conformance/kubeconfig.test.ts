import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CASES, type CaseSetup, type ConformanceCase } from './cases';
import {
  kubectlAvailable,
  opensslAvailable,
  runKubectl,
  runOurs,
  type Invocation,
  type Outcome,
} from './clients';
import { RecordingServers } from './recordingServers';
import { createTlsFixtures } from './tlsFixtures';

function describeOutcome(outcome: Outcome): string {
  const sent = outcome.seen.length
    ? JSON.stringify(outcome.seen, null, 2)
    : 'nothing reached the servers';
  return outcome.error ? `failed: ${outcome.error}\n  and ${sent}` : sent;
}

function report(kubectl: Outcome, ours: Outcome): string {
  return `\nkubectl ${describeOutcome(kubectl)}\nours ${describeOutcome(ours)}`;
}

function assertSide(
  side: string,
  outcome: Outcome,
  expected: 'sends' | RegExp,
  both: string,
): void {
  if (expected === 'sends') {
    assert.ok(
      !outcome.error && outcome.seen.length === 1,
      `${side} should have sent one request.${both}`,
    );
  } else {
    assert.ok(
      outcome.error !== undefined && expected.test(outcome.error),
      `${side} should have failed with a reason matching ${expected}.${both}`,
    );
    assert.deepEqual(
      outcome.seen,
      [],
      `${side} should have failed before sending anything.${both}`,
    );
  }
}

describe('kubeconfig conformance with kubectl', function () {
  let root: string;
  let servers: RecordingServers;
  let setup: CaseSetup;

  before(async function () {
    const missing = kubectlAvailable() ?? opensslAvailable();
    if (missing) throw new Error(missing);
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'kmw-conformance-'));
    const tls = createTlsFixtures(path.join(root, 'pki'));
    servers = new RecordingServers(tls);
    await servers.start();
    setup = { https: servers.httpsUrl, http: servers.httpUrl, proxy: servers.proxyUrl, tls };
  });

  after(async function () {
    await servers?.stop();
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  function prepare(testCase: ConformanceCase, index: number): Invocation {
    const dir = path.join(root, `case-${index}`);
    const home = path.join(dir, 'home');
    fs.mkdirSync(home, { recursive: true });
    for (const [name, text] of Object.entries(testCase.files(setup))) {
      fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
      fs.writeFileSync(path.join(dir, name), text);
    }
    return {
      dir,
      home,
      explicit: testCase.explicit === undefined ? undefined : path.join(dir, testCase.explicit),
      kubeconfigEnv: testCase.kubeconfigEnv?.replaceAll('{dir}', dir),
      context: testCase.context,
    };
  }

  CASES.forEach((testCase, index) => {
    it(testCase.name, async function () {
      const invocation = prepare(testCase, index);
      const kubectl = await runKubectl(servers, invocation);
      const ours = await runOurs(servers, invocation);
      const both = report(kubectl, ours);
      const expected = testCase.expect;
      if (expected === 'same') {
        assertSide('kubectl', kubectl, 'sends', both);
        assert.deepEqual(ours, kubectl, `we should have sent what kubectl sent.${both}`);
      } else if ('rejected' in expected) {
        assertSide('kubectl', kubectl, expected.rejected, both);
        assertSide('we', ours, expected.rejected, both);
      } else {
        assertSide('kubectl', kubectl, expected.kubectl, both);
        assertSide('we', ours, expected.ours, both);
      }
    });
  });
});
