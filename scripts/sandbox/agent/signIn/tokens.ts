// Access tokens of the sandbox's sign-in: `kmw-sso.<claims>.<signature>`, the claims (user, groups,
// expiry) signed with HMAC-SHA256 under a key kept in the sandbox folder. The webhook needs no
// memory of what it issued, so tokens stay valid across agent restarts, as a real provider's do.
import * as crypto from 'node:crypto';

const PREFIX = 'kmw-sso';
/** Longer than any token issued here: the rest is not worth parsing. */
const MAX_TOKEN_LENGTH = 2048;

export interface TokenClaims {
  user: string;
  groups: string[];
  /** Milliseconds since the epoch. */
  expiresAt: number;
}

function sign(key: Buffer, claims: string): Buffer {
  return crypto.createHmac('sha256', key).update(`${PREFIX}.${claims}`).digest();
}

export function issueToken(key: Buffer, claims: TokenClaims): string {
  const encoded = Buffer.from(JSON.stringify(claims)).toString('base64url');
  return `${PREFIX}.${encoded}.${sign(key, encoded).toString('base64url')}`;
}

/** The claims of a token this key signed and that has not expired at `now`; undefined otherwise. */
export function verifyToken(key: Buffer, token: string, now: number): TokenClaims | undefined {
  if (token.length > MAX_TOKEN_LENGTH) return undefined;
  const [prefix, encoded, signature, ...rest] = token.split('.');
  if (prefix !== PREFIX || encoded === undefined || signature === undefined || rest.length > 0)
    return undefined;
  const expected = sign(key, encoded);
  const actual = Buffer.from(signature, 'base64url');
  if (actual.length !== expected.length || !crypto.timingSafeEqual(actual, expected))
    return undefined;
  const claims = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8')) as TokenClaims;
  return claims.expiresAt > now ? claims : undefined;
}
