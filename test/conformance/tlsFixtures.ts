import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** PEM files the cases name: a CA, the test server's certificate and two client identities. */
export interface TlsFixtures {
  readonly dir: string;
  readonly caFile: string;
  readonly otherCaFile: string;
  readonly serverCert: string;
  readonly serverKey: string;
  readonly aliceCert: string;
  readonly aliceKey: string;
  readonly bobCert: string;
  readonly bobKey: string;
}

/** The name only the server certificate carries: a case that sends it as SNI proves tls-server-name. */
export const SERVER_TLS_NAME = 'api.conformance.test';

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

function selfSignedCa(dir: string, name: string): void {
  openssl(dir, [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '2',
    '-subj',
    `/CN=${name}`,
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.crt`,
  ]);
}

function signed(dir: string, name: string, subject: string, extensions: string): void {
  fs.writeFileSync(path.join(dir, `${name}.ext`), extensions);
  openssl(dir, [
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-subj',
    subject,
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.csr`,
  ]);
  openssl(dir, [
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-days',
    '2',
    '-extfile',
    `${name}.ext`,
    '-out',
    `${name}.crt`,
  ]);
}

/** Generated with the openssl CLI, fresh for each run, into `dir`. */
export function createTlsFixtures(dir: string): TlsFixtures {
  fs.mkdirSync(dir, { recursive: true });
  selfSignedCa(dir, 'ca');
  selfSignedCa(dir, 'other-ca');
  signed(
    dir,
    'server',
    '/CN=conformance-server',
    `subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:${SERVER_TLS_NAME}\nextendedKeyUsage=serverAuth\n`,
  );
  signed(dir, 'alice', '/O=ml-team/CN=alice', 'extendedKeyUsage=clientAuth\n');
  signed(dir, 'bob', '/O=ops/CN=bob', 'extendedKeyUsage=clientAuth\n');
  const file = (name: string): string => path.join(dir, name);
  return {
    dir,
    caFile: file('ca.crt'),
    otherCaFile: file('other-ca.crt'),
    serverCert: file('server.crt'),
    serverKey: file('server.key'),
    aliceCert: file('alice.crt'),
    aliceKey: file('alice.key'),
    bobCert: file('bob.crt'),
    bobKey: file('bob.key'),
  };
}
