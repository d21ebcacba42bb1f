// The ssh config we write: names from a kubeconfig or the cluster cannot add directives, different
// pods never share a host entry, one entry never overwrites another, and the host is pinned.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  renderHostEntry,
  sshHostAlias,
  upsertHostEntry,
  type SshHostEntry,
} from '../../src/attach/model/sshConfig';
import { podSshHostEntry, type PodSshHost } from '../../src/attach/sshHost';
import { isKubeMlError } from '../../src/cluster/errors';

const host: PodSshHost = {
  contextName: 'ctx',
  kubeconfigPath: '/home/u/.kube/config',
  workload: { kind: 'DevPod', namespace: 'ml-team', name: 'alice' },
  pod: 'alice',
  user: 'dev',
  identityFile: '/home/u/.ssh/kube-ml/id_ecdsa',
  knownHostsFile: '/home/u/.ssh/kube-ml/known_hosts.d/alice',
  nodeExecutable: '/usr/bin/node',
  proxyScript: '/ext/dist/sshProxy.js',
};

function entry(alias: string): SshHostEntry {
  return { ...podSshHostEntry(host), alias };
}

/** ssh's own reading of the config for `alias` (ssh -G connects nowhere). */
function effectiveConfig(configText: string, alias: string): Map<string, string[]> {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'kmw-sshcfg-'));
  try {
    const file = path.join(folder, 'config');
    fs.writeFileSync(file, configText);
    const output = execFileSync('ssh', ['-G', '-F', file, alias], { encoding: 'utf8' });
    const options = new Map<string, string[]>();
    for (const line of output.split('\n')) {
      const [key, ...value] = line.split(' ');
      if (key) options.set(key, [...(options.get(key) ?? []), value.join(' ')]);
    }
    return options;
  } finally {
    fs.rmSync(folder, { recursive: true, force: true });
  }
}

describe('security: the ssh config we write', () => {
  it('refuses a context, namespace or pod name with a line break instead of writing extra directives', () => {
    const hostile = [
      { ...host, contextName: 'ctx\nMatch exec "touch /tmp/kmw-pwned"' },
      { ...host, workload: { ...host.workload, namespace: 'ml-team\r\nProxyCommand sh' } },
      { ...host, pod: 'alice\n  LocalCommand id' },
      { ...host, user: 'dev\n  PermitLocalCommand yes' },
    ];
    for (const candidate of hostile) {
      assert.throws(
        () => upsertHostEntry('', podSshHostEntry(candidate)),
        (error: unknown) => isKubeMlError(error) && error.kind === 'invalidInput',
        JSON.stringify(candidate),
      );
    }
  });

  it('gives different contexts, namespaces and pods different host aliases, even where the readable part is the same', () => {
    const aliases = [
      sshHostAlias('team a', 'ml', 'box'),
      sshHostAlias('team/a', 'ml', 'box'),
      sshHostAlias('Team-A', 'ml', 'box'),
      sshHostAlias('ctx', 'a.b', 'c'),
      sshHostAlias('ctx.a', 'b', 'c'),
    ];
    assert.equal(new Set(aliases).size, aliases.length, aliases.join(' '));
    assert.equal(sshHostAlias('team a', 'ml', 'box'), aliases[0], 'stable for the same names');
  });

  it('replaces only the block whose marker line matches whole: an alias that is a prefix of another leaves that one alone', () => {
    const longer = upsertHostEntry('', entry('kubeml.ctx.ns.dev'));
    const both = upsertHostEntry(longer, entry('kubeml.ctx.ns.de'));
    assert.match(both, /^Host kubeml\.ctx\.ns\.dev$/m);
    assert.match(both, /^Host kubeml\.ctx\.ns\.de$/m);
    const again = upsertHostEntry(both, { ...entry('kubeml.ctx.ns.de'), user: 'root' });
    assert.equal(again.match(/^Host /gm)?.length, 2);
    assert.match(
      again,
      /^# >>> kube-ml kubeml\.ctx\.ns\.dev\nHost kubeml\.ctx\.ns\.dev\n {2}User dev$/m,
    );
  });

  it("pins the host key in the entry's own known_hosts file and forwards no agent (as ssh itself reads the entry)", () => {
    const written = podSshHostEntry(host);
    const text = renderHostEntry(written);
    assert.doesNotMatch(text, /StrictHostKeyChecking no|\/dev\/null/);
    const options = effectiveConfig(`${text}\n`, written.alias);
    assert.deepEqual(options.get('stricthostkeychecking'), ['true']);
    assert.deepEqual(options.get('userknownhostsfile'), [host.knownHostsFile]);
    assert.deepEqual(options.get('hostkeyalias'), [written.alias]);
    assert.deepEqual(options.get('forwardagent'), ['no']);
  });
});
