import * as assert from 'node:assert/strict';
import {
  DEVICE_CODE_TTL_MS,
  DeviceCodes,
  normalizeUserCode,
} from '../../../scripts/sandbox/agent/signIn/deviceCodes';
import { issueToken, verifyToken } from '../../../scripts/sandbox/agent/signIn/tokens';

const key = Buffer.alloc(32, 7);
const claims = { user: 'sso:ml-engineer', groups: ['sso:ml-engineers'], expiresAt: 1_000_000 };

describe('sandbox sign-in: tokens', () => {
  it('a token it issued verifies until its expiry, and not at or after it', () => {
    const token = issueToken(key, claims);
    assert.deepEqual(verifyToken(key, token, 999_999), claims);
    assert.equal(verifyToken(key, token, 1_000_000), undefined);
  });

  it('refuses another key, altered claims, a bad shape and an oversized token', () => {
    const token = issueToken(key, claims);
    const [prefix, , signature] = token.split('.');
    const altered = Buffer.from(JSON.stringify({ ...claims, groups: ['system:masters'] })).toString(
      'base64url',
    );
    for (const candidate of [
      issueToken(Buffer.alloc(32, 8), claims),
      `${prefix}.${altered}.${signature}`,
      `${token}.extra`,
      token.replace(/^kmw-sso/, 'other'),
      'not-a-token',
      `${token}${'A'.repeat(4096)}`,
    ]) {
      assert.equal(verifyToken(key, candidate, 0), undefined, candidate.slice(0, 60));
    }
  });
});

describe('sandbox sign-in: device codes', () => {
  it('pending until the user code is confirmed, then one poll gets the grant and it is used up', () => {
    const codes = new DeviceCodes();
    const { deviceCode, userCode } = codes.start(30, 0);
    assert.match(userCode, /^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/);
    assert.deepEqual(codes.poll(deviceCode, 1), { state: 'pending' });
    assert.equal(codes.confirm(userCode.toLowerCase().replace('-', ' '), 2), true);
    assert.deepEqual(codes.poll(deviceCode, 3), { state: 'confirmed', tokenTtlSeconds: 30 });
    assert.deepEqual(codes.poll(deviceCode, 4), { state: 'unknown' });
  });

  it('refuses a wrong or expired code', () => {
    const codes = new DeviceCodes();
    const { deviceCode, userCode } = codes.start(120, 0);
    assert.equal(codes.confirm(userCode === 'BCDF-GHJK' ? 'BCDF-GHJL' : 'BCDF-GHJK', 1), false);
    assert.equal(codes.confirm(userCode, DEVICE_CODE_TTL_MS), false);
    assert.deepEqual(codes.poll(deviceCode, DEVICE_CODE_TTL_MS), { state: 'unknown' });
  });

  it('normalizes what a user types into the code form', () => {
    assert.equal(normalizeUserCode('abcd efgh'), 'ABCD-EFGH');
    assert.equal(normalizeUserCode(' ABCDEFGH '), 'ABCD-EFGH');
    assert.equal(normalizeUserCode('ABCD-EFG'), '');
  });
});
