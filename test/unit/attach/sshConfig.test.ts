import * as assert from 'node:assert/strict';
import { createPublicKey } from 'node:crypto';
import {
  hasInclude,
  renderHostEntry,
  shellQuote,
  sshHostAlias,
  upsertHostEntry,
  withInclude,
} from '../../../src/attach/model/sshConfig';
import { generateSshKeyPair } from '../../../src/attach/model/sshKeys';
import { parseProxyArguments, proxyArgv } from '../../../src/attach/model/proxyArguments';
import {
  devContainersAuthority,
  hostKeyFromOutput,
  sshUserFromOutput,
} from '../../../src/attach/model/sshd';

const entry = {
  alias: 'kubeml.ctx.ml-team.alice',
  user: 'dev',
  identityFile: '/home/u/.ssh/kube-ml/id_ecdsa',
  knownHostsFile: '/home/u/.ssh/kube-ml/known_hosts.d/kubeml.ctx.ml-team.alice',
  proxyEnvironment: { ELECTRON_RUN_AS_NODE: '1' },
  proxyCommand: ['/opt/VS Code/code', '/ext/dist/sshProxy.js', '--context', "it's; rm -rf ~"],
};

describe('ssh config', () => {
  it('quotes every ProxyCommand word so a context name cannot inject shell', () => {
    assert.equal(shellQuote('plain-word_1.2'), 'plain-word_1.2');
    assert.equal(shellQuote("it's; rm -rf ~"), `'it'\\''s; rm -rf ~'`);
    const text = renderHostEntry(entry);
    assert.match(
      text,
      /^ {2}ProxyCommand env ELECTRON_RUN_AS_NODE=1 '\/opt\/VS Code\/code' \/ext\/dist\/sshProxy.js --context 'it'\\''s; rm -rf ~'$/m,
    );
    assert.match(text, /^Host kubeml\.ctx\.ml-team\.alice$/m);
    assert.match(text, /^ {2}User dev$/m);
  });
  it('doubles % so ssh does not expand it as a token in paths or context names', () => {
    const text = renderHostEntry({
      ...entry,
      identityFile: '/home/100%/id',
      proxyCommand: ['/node', '/proxy.js', '--context', 'ctx%h'],
    });
    assert.match(text, /^ {2}IdentityFile \/home\/100%%\/id$/m);
    assert.match(
      text,
      /^ {2}ProxyCommand env ELECTRON_RUN_AS_NODE=1 \/node \/proxy\.js --context ctx%%h$/m,
    );
  });
  it('makes host aliases ssh accepts', () => {
    assert.match(
      sshHostAlias('arn:aws:eks:us-east-1:1:cluster/Prod', 'ml-team', 'alice'),
      /^kubeml\.arn-aws-eks-us-east-1-1-cluster-prod\.ml-team\.alice\.[0-9a-f]{8}$/,
    );
  });
  it('replaces an existing block instead of appending a second one', () => {
    const first = upsertHostEntry('Host other\n  User x\n', entry);
    const second = upsertHostEntry(first, { ...entry, user: 'root' });
    assert.equal(second.match(/Host kubeml\.ctx\.ml-team\.alice/g)?.length, 1);
    assert.match(second, /User root/);
    assert.ok(second.startsWith('Host other\n  User x\n'));
  });
  it('adds the Include line once, at the top', () => {
    const once = withInclude('Host a\n  User b\n', '/home/u/.ssh/kube-ml/config');
    assert.ok(once.split('\n')[1] === 'Include /home/u/.ssh/kube-ml/config');
    assert.equal(hasInclude(once, '/home/u/.ssh/kube-ml/config'), true);
    assert.equal(withInclude(once, '/home/u/.ssh/kube-ml/config'), once);
    assert.equal(hasInclude('Host a\n', '/home/u/.ssh/kube-ml/config'), false);
  });
});

describe('ssh key pair', () => {
  it('writes an OpenSSH ecdsa-sha2-nistp256 line matching the private key', () => {
    const pair = generateSshKeyPair('kube-ml@test');
    assert.match(pair.privateKeyPem, /^-----BEGIN EC PRIVATE KEY-----/);
    const [type, blob, comment] = pair.publicKeyLine.split(' ');
    assert.equal(type, 'ecdsa-sha2-nistp256');
    assert.equal(comment, 'kube-ml@test');
    const bytes = Buffer.from(blob, 'base64');
    let offset = 0;
    const field = () => {
      const length = bytes.readUInt32BE(offset);
      const value = bytes.subarray(offset + 4, offset + 4 + length);
      offset += 4 + length;
      return value;
    };
    assert.equal(field().toString(), 'ecdsa-sha2-nistp256');
    assert.equal(field().toString(), 'nistp256');
    const point = field();
    assert.equal(point.length, 65);
    const jwk = createPublicKey(pair.privateKeyPem).export({ format: 'jwk' });
    assert.deepEqual(point.subarray(1, 33), Buffer.from(jwk.x!, 'base64url'));
    assert.deepEqual(point.subarray(33), Buffer.from(jwk.y!, 'base64url'));
  });
});

describe('ssh proxy arguments and attach targets', () => {
  it('round-trips the proxy argv', () => {
    const args = {
      kubeconfig: '/k/config',
      context: 'ctx',
      namespace: 'ml-team',
      pod: 'alice',
      port: 2222,
    };
    assert.deepEqual(parseProxyArguments(proxyArgv(args)), args);
  });
  it('explains what is missing', () => {
    assert.throws(
      () =>
        parseProxyArguments([
          '--kubeconfig',
          'k',
          '--context',
          'c',
          '--namespace',
          'n',
          '--port',
          '22',
        ]),
      /--pod is required/,
    );
    assert.throws(
      () =>
        parseProxyArguments([
          '--kubeconfig',
          'k',
          '--context',
          'c',
          '--namespace',
          'n',
          '--pod',
          'p',
          '--port',
          '99999',
        ]),
      /1-65535/,
    );
    assert.throws(() => parseProxyArguments(['--context']), /unexpected argument/);
  });
  it('reads the sshd user and builds the Dev Containers authority', () => {
    assert.equal(sshUserFromOutput('started alice\n'), 'alice');
    assert.equal(sshUserFromOutput('running root'), 'root');
    assert.equal(
      hostKeyFromOutput('hostkey ssh-ed25519 AAAAC3Nz root@pod\nstarted alice\n'),
      'ssh-ed25519 AAAAC3Nz',
    );
    const authority = devContainersAuthority({
      contextName: 'ctx',
      namespace: 'ml-team',
      pod: 'alice-0',
      container: 'main',
    });
    assert.ok(authority.startsWith('k8s-container+'));
    assert.deepEqual(
      JSON.parse(Buffer.from(authority.slice('k8s-container+'.length), 'hex').toString()),
      {
        settingType: 'pod',
        podname: 'alice-0',
        name: 'main',
        namespace: 'ml-team',
        context: 'ctx',
      },
    );
  });
});
