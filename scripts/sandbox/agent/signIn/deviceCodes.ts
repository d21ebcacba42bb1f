// The device authorization grant (RFC 8628) as the sign-in server keeps it: a client asks for a
// code pair, the user confirms the short user code in a browser, the client polls with the long
// device code until then. Pending grants are few, short-lived and bounded.
import * as crypto from 'node:crypto';

/** How long a user has to confirm a code. */
export const DEVICE_CODE_TTL_MS = 10 * 60 * 1000;
const MAX_PENDING = 200;
/** RFC 8628's suggested user-code alphabet: consonants only, no look-alikes, no words. */
const USER_CODE_ALPHABET = 'BCDFGHJKLMNPQRSTVWXZ';

interface Grant {
  deviceCode: string;
  userCode: string;
  tokenTtlSeconds: number;
  expiresAt: number;
  confirmed: boolean;
}

export type PollResult =
  { state: 'pending' } | { state: 'unknown' } | { state: 'confirmed'; tokenTtlSeconds: number };

function userCode(): string {
  const letters = Array.from(
    crypto.randomBytes(8),
    (byte) => USER_CODE_ALPHABET[byte % USER_CODE_ALPHABET.length],
  );
  return `${letters.slice(0, 4).join('')}-${letters.slice(4).join('')}`;
}

/** "abcd efgh", "ABCDEFGH" and "ABCD-EFGH" are one code, as on real sign-in pages. */
export function normalizeUserCode(input: string): string {
  const letters = input.toUpperCase().replace(/[^A-Z]/g, '');
  return letters.length === 8 ? `${letters.slice(0, 4)}-${letters.slice(4)}` : '';
}

export class DeviceCodes {
  private readonly byDeviceCode = new Map<string, Grant>();

  start(tokenTtlSeconds: number, now: number): { deviceCode: string; userCode: string } {
    this.forgetExpired(now);
    // The oldest grant gives way: a client that never polls cannot fill the table.
    if (this.byDeviceCode.size >= MAX_PENDING)
      this.byDeviceCode.delete(this.byDeviceCode.keys().next().value as string);
    const grant: Grant = {
      deviceCode: crypto.randomBytes(24).toString('base64url'),
      userCode: userCode(),
      tokenTtlSeconds,
      expiresAt: now + DEVICE_CODE_TTL_MS,
      confirmed: false,
    };
    this.byDeviceCode.set(grant.deviceCode, grant);
    return { deviceCode: grant.deviceCode, userCode: grant.userCode };
  }

  /** The browser's step; false when no pending grant has that code. */
  confirm(input: string, now: number): boolean {
    this.forgetExpired(now);
    const code = normalizeUserCode(input);
    const grant = [...this.byDeviceCode.values()].find((candidate) => candidate.userCode === code);
    if (!grant) return false;
    grant.confirmed = true;
    return true;
  }

  /** The client's step; a confirmed grant is used up by the poll that sees it. */
  poll(deviceCode: string, now: number): PollResult {
    this.forgetExpired(now);
    const grant = this.byDeviceCode.get(deviceCode);
    if (!grant) return { state: 'unknown' };
    if (!grant.confirmed) return { state: 'pending' };
    this.byDeviceCode.delete(deviceCode);
    return { state: 'confirmed', tokenTtlSeconds: grant.tokenTtlSeconds };
  }

  private forgetExpired(now: number): void {
    for (const [deviceCode, grant] of this.byDeviceCode) {
      if (grant.expiresAt <= now) this.byDeviceCode.delete(deviceCode);
    }
  }
}
