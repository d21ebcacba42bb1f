import { generateKeyPairSync } from 'node:crypto';

function sshString(value: Buffer | string): Buffer {
  const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
}

export interface SshKeyPair {
  /** SEC1 PEM ("EC PRIVATE KEY"), which OpenSSH reads as an identity file. */
  readonly privateKeyPem: string;
  /** authorized_keys line: "ecdsa-sha2-nistp256 AAAA... comment". */
  readonly publicKeyLine: string;
}

/** The OpenSSH public key line of a P-256 public point given as JWK coordinates. */
export function ecdsaPublicKeyLine(x: string, y: string, comment: string): string {
  const point = Buffer.concat([
    Buffer.from([4]),
    Buffer.from(x, 'base64url'),
    Buffer.from(y, 'base64url'),
  ]);
  const blob = Buffer.concat([
    sshString('ecdsa-sha2-nistp256'),
    sshString('nistp256'),
    sshString(point),
  ]);
  return `ecdsa-sha2-nistp256 ${blob.toString('base64')} ${comment}`;
}

/** A key pair made with Node's crypto (no ssh-keygen process needed). */
export function generateSshKeyPair(comment: string): SshKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const jwk = publicKey.export({ format: 'jwk' });
  return {
    privateKeyPem: privateKey.export({ format: 'pem', type: 'sec1' }).toString(),
    publicKeyLine: ecdsaPublicKeyLine(jwk.x!, jwk.y!, comment),
  };
}
