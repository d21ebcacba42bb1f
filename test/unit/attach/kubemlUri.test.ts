import * as assert from 'node:assert/strict';
import {
  authorityOfWorkload,
  decodeContextName,
  encodeContextName,
  formatAuthority,
  parseAuthority,
  type KubemlAuthority,
} from '../../../src/attach/model/kubemlUri';

/** Context names seen in real kubeconfigs, plus the characters the encoding itself uses. */
const CONTEXT_NAMES = [
  'kube-ml-sandbox-developer',
  'Admin@Prod',
  'arn:aws:eks:us-east-1:123456789012:cluster/ml-gpu',
  'gke_my-project_us-central1-a_ml',
  'with~tilde and space',
  'ctx.looks-like-a-prefix',
  '_5f',
  'pod',
  'grüne-集群',
];

describe('kubeml:// authority with a context', () => {
  it('round-trips every context name through format and parse', () => {
    for (const contextName of CONTEXT_NAMES) {
      const authority: KubemlAuthority = {
        contextName,
        kind: 'devpod',
        namespace: 'ml-team',
        name: 'alice',
        container: 'main',
      };
      assert.deepEqual(parseAuthority(formatAuthority(authority)), authority, contextName);
      assert.equal(decodeContextName(encodeContextName(contextName)), contextName);
    }
  });

  it('survives VS Code lowercasing the authority and never puts a "~" inside the context', () => {
    for (const contextName of CONTEXT_NAMES) {
      const text = formatAuthority({
        contextName,
        kind: 'pod',
        namespace: 'default',
        name: 'web-1',
      });
      assert.equal(text.toLowerCase(), text, `${contextName} -> ${text}`);
      assert.equal(text.split('~').length, 4, `${contextName} -> ${text}`);
      assert.match(
        text,
        /^[a-z0-9._~-]+$/,
        'only characters VS Code leaves unescaped in an authority',
      );
    }
  });

  it('keeps readable names readable and escapes the rest byte by byte', () => {
    assert.equal(
      formatAuthority({
        contextName: 'kube-ml-sandbox-developer',
        kind: 'devpod',
        namespace: 'ml-team',
        name: 'alice',
      }),
      'ctx.kube-ml-sandbox-developer~devpod~ml-team~alice',
    );
    assert.equal(encodeContextName('Admin@Prod'), '_41dmin_40_50rod');
    assert.equal(encodeContextName('a_b~c'), 'a_5fb_7ec');
    assert.equal(encodeContextName('ü'), '_c3_bc');
  });

  it('builds the authority of a workload with the context it was attached from', () => {
    assert.deepEqual(
      authorityOfWorkload(
        { kind: 'DevPod', namespace: 'ml-team', name: 'alice' },
        'main',
        'kube-ml-sandbox-developer',
      ),
      {
        contextName: 'kube-ml-sandbox-developer',
        kind: 'devpod',
        namespace: 'ml-team',
        name: 'alice',
        container: 'main',
      },
    );
  });

  it('reads URIs written before contexts were part of them as "the current context"', () => {
    assert.deepEqual(parseAuthority('devpod~ml-team~alice~main'), {
      kind: 'devpod',
      namespace: 'ml-team',
      name: 'alice',
      container: 'main',
    });
    assert.equal(parseAuthority('devpod~ml-team~alice')?.contextName, undefined);
    // A context named like a kind cannot be mistaken for an old authority, nor the reverse.
    assert.deepEqual(parseAuthority('ctx.pod~pod~a~b'), {
      contextName: 'pod',
      kind: 'pod',
      namespace: 'a',
      name: 'b',
      container: undefined,
    });
    assert.deepEqual(parseAuthority('pod~devpod~a~b'), {
      kind: 'pod',
      namespace: 'devpod',
      name: 'a',
      container: 'b',
    });
  });

  it('rejects context segments the encoding cannot have produced', () => {
    for (const text of [
      'ctx.~pod~a~b',
      'ctx._61~pod~a~b',
      'ctx._6~pod~a~b',
      'ctx._zz~pod~a~b',
      'ctx._ff~pod~a~b',
      'ctx.Admin~pod~a~b',
      'ctx.a b~pod~a~b',
    ]) {
      assert.equal(parseAuthority(text), undefined, text);
    }
    assert.equal(parseAuthority('ctx.x~job~a~b'), undefined, 'the kind is still checked');
    assert.equal(
      parseAuthority('ctx.x~devpod~a~b~c~d'),
      undefined,
      'at most a container after the name',
    );
    assert.equal(parseAuthority('ctx.x~ctx.y~devpod~a~b'), undefined, 'one context');
  });
});
