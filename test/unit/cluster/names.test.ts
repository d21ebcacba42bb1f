import * as assert from 'node:assert/strict';
import {
  assertDnsLabel,
  toDnsLabel,
  validateDnsLabel,
  validateDnsSubdomain,
} from '../../../src/cluster/names';
import { KubeMlError } from '../../../src/cluster/errors';

describe('names', () => {
  it('accepts DNS-1123 labels', () => {
    for (const name of ['a', 'ml-team', 'dev-alice-01', 'x'.repeat(63), '0abc'])
      assert.equal(validateDnsLabel(name), undefined, name);
  });

  it('explains which label rule a name breaks', () => {
    assert.match(validateDnsLabel('', 'namespace')!, /not a valid namespace: it is empty/);
    assert.match(validateDnsLabel('My-Pod')!, /upper-case/);
    assert.match(validateDnsLabel('My-Pod')!, /for example "my-pod"/);
    assert.match(validateDnsLabel('dev_pod')!, /contains "_"/);
    assert.match(validateDnsLabel('dev pod')!, /contains a space/);
    assert.match(validateDnsLabel('-dev')!, /does not start with a letter or digit/);
    assert.match(validateDnsLabel('dev-')!, /does not end with a letter or digit/);
    assert.match(validateDnsLabel('a.b')!, /contains "\."/);
    assert.match(validateDnsLabel('x'.repeat(64))!, /64 characters long; the limit is 63/);
    assert.match(validateDnsLabel('x'.repeat(64))!, /DNS-1123 label/);
  });

  it('validates DNS-1123 subdomains', () => {
    assert.equal(validateDnsSubdomain('model.v1-2'), undefined);
    assert.match(validateDnsSubdomain('a..b')!, /each dot-separated part/);
    assert.match(validateDnsSubdomain('a.-b')!, /each dot-separated part/);
    assert.match(validateDnsSubdomain('x'.repeat(254))!, /limit is 253/);
    assert.match(validateDnsSubdomain('Model')!, /upper-case/);
  });

  it('throws an invalidInput KubeMlError', () => {
    assert.throws(
      () => assertDnsLabel('Bad_Name', 'dev pod name'),
      (error: unknown) =>
        error instanceof KubeMlError &&
        error.kind === 'invalidInput' &&
        /dev pod name/.test(error.summary),
    );
  });

  it('suggests a valid label from free text', () => {
    assert.equal(toDnsLabel("Alice's Llama_7B"), 'alice-s-llama-7b');
    assert.equal(toDnsLabel('--x--'), 'x');
    assert.equal(toDnsLabel('a'.repeat(70)).length, 63);
    assert.equal(validateDnsLabel(toDnsLabel('Some Model / v2 ')), undefined);
  });
});
