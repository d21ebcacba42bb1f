import * as assert from 'node:assert/strict';
import { parseQuantity, quantityValue } from '../../../../src/cluster/gpu/quantity';

describe('Kubernetes quantities', () => {
  it('parses decimal, binary and exponent forms', () => {
    assert.equal(parseQuantity('8'), 8);
    assert.equal(parseQuantity('2k'), 2000);
    assert.equal(parseQuantity('1Ki'), 1024);
    assert.equal(parseQuantity('500m'), 0.5);
    assert.equal(quantityValue('64Gi'), 64 * 2 ** 30);
    assert.equal(quantityValue('1.5M'), 1_500_000);
    assert.equal(quantityValue('1e3'), 1000);
    assert.equal(quantityValue('1E'), 1e18, 'a lone E is the exa suffix, not an exponent');
    assert.equal(quantityValue('250u'), 250e-6);
  });

  it('says when text is not a quantity', () => {
    for (const text of ['garbage', '64 GB', '1K', 'Gi', ''])
      assert.ok(Number.isNaN(quantityValue(text)), text);
    assert.equal(parseQuantity(undefined), 0);
    assert.equal(parseQuantity('garbage'), 0);
    assert.equal(parseQuantity(4), 4);
  });
});
