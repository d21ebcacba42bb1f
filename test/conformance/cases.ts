import * as fs from 'node:fs';
import type { TlsFixtures } from './tlsFixtures';
import { SERVER_TLS_NAME } from './tlsFixtures';

/** What a case's files may name: the test servers and the TLS fixtures (as files and as -data). */
export interface CaseSetup {
  readonly https: string;
  readonly http: string;
  readonly proxy: string;
  readonly tls: TlsFixtures;
}

/**
 * What must happen:
 *  - 'same': both clients send, and the servers see the same thing from each;
 *  - rejected: both refuse before sending anything, each with a reason matching `reason`;
 *  - deliberate: we differ on purpose (`why`); each side is held to its own expectation, so a
 *    change in kubectl shows up too.
 */
export type Expectation =
  | 'same'
  | { readonly rejected: RegExp }
  | {
      readonly deliberate: string;
      readonly kubectl: 'sends' | RegExp;
      readonly ours: 'sends' | RegExp;
    };

export interface ConformanceCase {
  readonly name: string;
  /** Files written into the case's folder (HOME is its `home` subfolder), by relative path. */
  readonly files: (setup: CaseSetup) => Record<string, string>;
  /** KUBECONFIG exactly as given, `{dir}` standing for the case's folder; undefined: unset. */
  readonly kubeconfigEnv?: string;
  /** --kubeconfig, relative to the case's folder. */
  readonly explicit?: string;
  readonly context?: string;
  readonly expect: Expectation;
}

const base64 = (file: string): string => fs.readFileSync(file).toString('base64');
const pem = (file: string): string => fs.readFileSync(file, 'utf8');

/** A kubeconfig of one context "c" (cluster "k", user "u"); `cluster` and `user` are YAML flow-map bodies. */
function single(cluster: string, user: string, extra = ''): string {
  return `apiVersion: v1
kind: Config
current-context: c
clusters:
- name: k
  cluster: {${cluster}}
users:
- name: u
  user: {${user}}
contexts:
- name: c
  context: {cluster: k, user: u}
${extra}`;
}

const secure = (s: CaseSetup): string =>
  `server: "${s.https}", certificate-authority: "${s.tls.caFile}"`;

export const CASES: readonly ConformanceCase[] = [
  {
    name: 'token over HTTPS with a CA file',
    files: (s) => ({ 'config.yaml': single(secure(s), 'token: alpha') }),
    explicit: 'config.yaml',
    expect: 'same',
  },
  {
    name: 'KUBECONFIG list: first file defining a cluster, user or context wins; current-context from the first file setting it',
    files: (s) => ({
      'a.yaml': `clusters:
- name: k
  cluster: {${secure(s)}}
users:
- name: u
  user: {token: from-a}
contexts:
- name: c
  context: {cluster: k, user: u}
`,
      'b.yaml': `current-context: c
clusters:
- name: k
  cluster: {server: "${s.http}"}
users:
- name: u
  user: {token: from-b}
contexts:
- name: c
  context: {cluster: other, user: other}
`,
      'c.yaml': 'current-context: d\n',
    }),
    kubeconfigEnv: '{dir}/a.yaml:{dir}/b.yaml:{dir}/c.yaml',
    expect: 'same',
  },
  {
    name: 'KUBECONFIG list: a user defined in two files is taken whole from the first, not merged field by field',
    files: (s) => ({
      'a.yaml': single(secure(s), 'token: from-a'),
      'b.yaml': single(secure(s), 'token: from-b, as: jane'),
    }),
    kubeconfigEnv: '{dir}/a.yaml:{dir}/b.yaml',
    expect: 'same',
  },
  {
    name: 'KUBECONFIG list: an empty current-context does not count as set',
    files: (s) => ({
      'a.yaml': 'current-context: ""\n',
      'b.yaml': single(secure(s), 'token: from-b'),
    }),
    kubeconfigEnv: '{dir}/a.yaml:{dir}/b.yaml',
    expect: 'same',
  },
  {
    name: 'KUBECONFIG list: a relative entry is relative to the working directory',
    files: (s) => ({ 'conf/a.yaml': single(secure(s), 'token: relative') }),
    kubeconfigEnv: 'conf/a.yaml',
    expect: 'same',
  },
  {
    name: 'KUBECONFIG list: empty entries and a repeated file are skipped',
    files: (s) => ({ 'a.yaml': single(secure(s), 'token: alpha') }),
    kubeconfigEnv: ':{dir}/a.yaml::{dir}/a.yaml:',
    expect: 'same',
  },
  {
    name: 'KUBECONFIG list: a missing file is skipped',
    files: (s) => ({ 'b.yaml': single(secure(s), 'token: from-b') }),
    kubeconfigEnv: '{dir}/missing.yaml:{dir}/b.yaml',
    expect: 'same',
  },
  {
    name: 'KUBECONFIG list: entries are not trimmed (" a.yaml" is another, missing, file)',
    files: (s) => ({
      'a.yaml': single(secure(s), 'token: from-a'),
      'b.yaml': single(secure(s), 'token: from-b'),
    }),
    kubeconfigEnv: ' {dir}/a.yaml:{dir}/b.yaml',
    expect: 'same',
  },
  {
    name: 'KUBECONFIG set but naming only empty entries: ~/.kube/config is not read',
    files: (s) => ({ 'home/.kube/config': single(secure(s), 'token: from-home') }),
    kubeconfigEnv: ':',
    expect: {
      deliberate:
        'kubectl falls back to http://localhost:8080; we stop and say that KUBECONFIG names no file',
      kubectl: /localhost:8080/,
      ours: /KUBECONFIG/,
    },
  },
  {
    name: 'KUBECONFIG list: a malformed file fails the whole list',
    files: (s) => ({
      'bad.yaml': 'clusters:\n- name: k\n   cluster: [unclosed\n',
      'b.yaml': single(secure(s), 'token: from-b'),
    }),
    kubeconfigEnv: '{dir}/bad.yaml:{dir}/b.yaml',
    expect: { rejected: /bad\.yaml/ },
  },
  {
    name: 'KUBECONFIG list: a folder where a file belongs fails the whole list',
    files: (s) => ({ 'folder/inside.yaml': '', 'b.yaml': single(secure(s), 'token: from-b') }),
    kubeconfigEnv: '{dir}/folder:{dir}/b.yaml',
    expect: { rejected: /folder.*(is a directory|EISDIR)|(is a directory|EISDIR).*folder/ },
  },
  {
    name: 'KUBECONFIG unset: ~/.kube/config',
    files: (s) => ({ 'home/.kube/config': single(secure(s), 'token: from-home') }),
    expect: 'same',
  },
  {
    name: '--kubeconfig wins over KUBECONFIG',
    files: (s) => ({
      'explicit.yaml': single(secure(s), 'token: explicit'),
      'env.yaml': single(secure(s), 'token: from-env'),
    }),
    kubeconfigEnv: '{dir}/env.yaml',
    explicit: 'explicit.yaml',
    expect: 'same',
  },
  {
    name: '--kubeconfig naming a missing file is an error',
    files: () => ({}),
    explicit: 'missing.yaml',
    expect: { rejected: /missing\.yaml/ },
  },
  {
    name: 'an explicit context other than current-context',
    files: (s) => ({
      'config.yaml': `current-context: c
clusters:
- {name: k, cluster: {${secure(s)}}}
users:
- {name: u, user: {token: current}}
- {name: v, user: {token: chosen}}
contexts:
- {name: c, context: {cluster: k, user: u}}
- {name: d, context: {cluster: k, user: v}}
`,
    }),
    explicit: 'config.yaml',
    context: 'd',
    expect: 'same',
  },
  {
    name: 'relative certificate-authority, client-certificate, client-key and tokenFile resolve against the file naming them',
    files: (s) => ({
      'conf/a.yaml': `clusters:
- {name: k, cluster: {server: "${s.https}", certificate-authority: pki/ca.crt}}
contexts:
- {name: c, context: {cluster: k, user: u}}
current-context: c
`,
      'conf/pki/ca.crt': pem(s.tls.caFile),
      'users/b.yaml': `users:
- {name: u, user: {client-certificate: alice.crt, client-key: alice.key, tokenFile: secrets/token}}
`,
      'users/alice.crt': pem(s.tls.aliceCert),
      'users/alice.key': pem(s.tls.aliceKey),
      'users/secrets/token': 'relative-file-token\n',
    }),
    kubeconfigEnv: '{dir}/conf/a.yaml:{dir}/users/b.yaml',
    expect: 'same',
  },
  {
    name: 'tokenFile',
    files: (s) => ({ 'config.yaml': single(secure(s), 'tokenFile: token'), token: 'file-token\n' }),
    explicit: 'config.yaml',
    expect: 'same',
  },
  {
    name: 'token and tokenFile both set',
    files: (s) => ({
      'config.yaml': single(secure(s), 'token: inline, tokenFile: token'),
      token: 'file-token\n',
    }),
    explicit: 'config.yaml',
    expect: 'same',
  },
  {
    name: 'a tokenFile that cannot be read, with a token beside it',
    files: (s) => ({ 'config.yaml': single(secure(s), 'token: inline, tokenFile: missing-token') }),
    explicit: 'config.yaml',
    expect: 'same',
  },
  {
    name: 'a tokenFile that cannot be read, alone',
    files: (s) => ({ 'config.yaml': single(secure(s), 'tokenFile: missing-token') }),
    explicit: 'config.yaml',
    expect: {
      rejected: /missing-token.*no such file or directory|no such file or directory.*missing-token/,
    },
  },
  {
    name: 'client certificate and CA as -data',
    files: (s) => ({
      'config.yaml': single(
        `server: "${s.https}", certificate-authority-data: ${base64(s.tls.caFile)}`,
        `client-certificate-data: ${base64(s.tls.aliceCert)}, client-key-data: ${base64(s.tls.aliceKey)}`,
      ),
    }),
    explicit: 'config.yaml',
    expect: 'same',
  },
  {
    name: 'client certificate and key as files',
    files: (s) => ({
      'config.yaml': single(
        secure(s),
        `client-certificate: "${s.tls.bobCert}", client-key: "${s.tls.bobKey}"`,
      ),
    }),
    explicit: 'config.yaml',
    expect: 'same',
  },
  {
    name: 'a client certificate and a token together',
    files: (s) => ({
      'config.yaml': single(
        secure(s),
        `token: alpha, client-certificate: "${s.tls.aliceCert}", client-key: "${s.tls.aliceKey}"`,
      ),
    }),
    explicit: 'config.yaml',
    expect: 'same',
  },
  {
    name: 'the cluster in use has no server',
    files: (s) => ({
      'config.yaml': single(`certificate-authority: "${s.tls.caFile}"`, 'token: alpha'),
    }),
    explicit: 'config.yaml',
    expect: {
      deliberate:
        'kubectl falls back to http://localhost:8080; we stop and say that the cluster has no server',
      kubectl: /localhost:8080/,
      ours: /no server found for cluster "k"/,
    },
  },
  {
    name: 'certificate-authority and certificate-authority-data both set',
    files: (s) => ({
      'config.yaml': single(
        `${secure(s)}, certificate-authority-data: ${base64(s.tls.otherCaFile)}`,
        'token: alpha',
      ),
    }),
    explicit: 'config.yaml',
    expect: { rejected: /certificate-authority-data and certificate-authority are both specified/ },
  },
  {
    name: 'client-certificate and client-certificate-data both set',
    files: (s) => ({
      'config.yaml': single(
        secure(s),
        `client-certificate: "${s.tls.aliceCert}", client-certificate-data: ${base64(s.tls.bobCert)}, client-key: "${s.tls.aliceKey}"`,
      ),
    }),
    explicit: 'config.yaml',
    expect: { rejected: /client-cert-data and client-cert are both specified/ },
  },
  {
    name: 'client-key and client-key-data both set',
    files: (s) => ({
      'config.yaml': single(
        secure(s),
        `client-certificate: "${s.tls.aliceCert}", client-key: "${s.tls.aliceKey}", client-key-data: ${base64(s.tls.bobKey)}`,
      ),
    }),
    explicit: 'config.yaml',
    expect: { rejected: /client-key-data and client-key are both specified/ },
  },
  {
    name: 'a client certificate without a key',
    files: (s) => ({
      'config.yaml': single(secure(s), `client-certificate: "${s.tls.aliceCert}"`),
    }),
    explicit: 'config.yaml',
    expect: { rejected: /client-key-data or client-key must be specified/ },
  },
  {
    name: 'a certificate-authority file that does not exist',
    files: (s) => ({
      'config.yaml': single(
        `server: "${s.https}", certificate-authority: nowhere/ca.crt`,
        'token: alpha',
      ),
    }),
    explicit: 'config.yaml',
    expect: { rejected: /unable to read certificate-authority .*nowhere\/ca\.crt/ },
  },
  {
    name: 'insecure-skip-tls-verify together with a CA',
    files: (s) => ({
      'config.yaml': single(`${secure(s)}, insecure-skip-tls-verify: true`, 'token: alpha'),
    }),
    explicit: 'config.yaml',
    expect: {
      rejected: /specifying a root certificates file with the insecure flag is not allowed/,
    },
  },
  {
    name: 'insecure-skip-tls-verify without a CA',
    files: (s) => ({
      'config.yaml': single(`server: "${s.https}", insecure-skip-tls-verify: true`, 'token: alpha'),
    }),
    explicit: 'config.yaml',
    expect: 'same',
  },
  {
    name: 'no CA: the server certificate is not trusted',
    files: (s) => ({ 'config.yaml': single(`server: "${s.https}"`, 'token: alpha') }),
    explicit: 'config.yaml',
    expect: { rejected: /certificate/ },
  },
  {
    name: 'a CA that did not sign the server certificate',
    files: (s) => ({
      'config.yaml': single(
        `server: "${s.https}", certificate-authority: "${s.tls.otherCaFile}"`,
        'token: alpha',
      ),
    }),
    explicit: 'config.yaml',
    expect: { rejected: /certificate/ },
  },
  {
    name: 'tls-server-name is sent as SNI and verified',
    files: (s) => ({
      'config.yaml': single(`${secure(s)}, tls-server-name: ${SERVER_TLS_NAME}`, 'token: alpha'),
    }),
    explicit: 'config.yaml',
    expect: 'same',
  },
  {
    name: 'a host name server URL is sent as SNI',
    files: (s) => ({
      'config.yaml': single(
        `server: "${s.https.replace('127.0.0.1', 'localhost')}", certificate-authority: "${s.tls.caFile}"`,
        'token: alpha',
      ),
    }),
    explicit: 'config.yaml',
    expect: 'same',
  },
  {
    name: 'impersonation: as, as-groups, as-uid, as-user-extra',
    files: (s) => ({
      'config.yaml': single(
        secure(s),
        'token: alpha, as: jane, as-groups: [ml-team, "system:authenticated"], as-uid: "1234", as-user-extra: {scopes: [view, edit], reason: [debugging], "example.com/ticket (id)": ["42"]}',
      ),
    }),
    explicit: 'config.yaml',
    expect: 'same',
  },
  {
    name: 'as-groups without as',
    files: (s) => ({ 'config.yaml': single(secure(s), 'token: alpha, as-groups: [ml-team]') }),
    explicit: 'config.yaml',
    expect: { rejected: /requesting uid, groups or user-extra for u without impersonating a user/ },
  },
  {
    name: 'proxy-url: HTTPS through an HTTP CONNECT proxy',
    files: (s) => ({
      'config.yaml': single(`${secure(s)}, proxy-url: "${s.proxy}"`, 'token: alpha'),
    }),
    explicit: 'config.yaml',
    expect: 'same',
  },
  {
    name: 'proxy-url with a scheme kubectl does not support',
    files: (s) => ({
      'config.yaml': single(`${secure(s)}, proxy-url: "ftp://127.0.0.1:1"`, 'token: alpha'),
    }),
    explicit: 'config.yaml',
    expect: { rejected: /proxy-url.*unsupported scheme "ftp"/ },
  },
  {
    name: 'disable-compression',
    files: (s) => ({
      'config.yaml': single(`${secure(s)}, disable-compression: true`, 'token: alpha'),
    }),
    explicit: 'config.yaml',
    expect: 'same',
  },
  {
    name: 'an http:// server: impersonation is sent, credentials are not',
    files: (s) => ({
      'config.yaml': single(`server: "${s.http}"`, 'token: alpha, as: jane, as-groups: [ml-team]'),
    }),
    explicit: 'config.yaml',
    expect: 'same',
  },
  {
    name: 'username and password (basic auth)',
    files: (s) => ({ 'config.yaml': single(secure(s), 'username: ada, password: "s3cret:x"') }),
    explicit: 'config.yaml',
    expect: 'same',
  },
  {
    name: 'token and username/password both set',
    files: (s) => ({
      'config.yaml': single(secure(s), 'token: alpha, username: ada, password: pw'),
    }),
    explicit: 'config.yaml',
    expect: { rejected: /more than one authentication method found for u/ },
  },
  {
    name: 'incomplete entries the chosen context does not use are ignored',
    files: (s) => ({
      'config.yaml': `current-context: c
clusters:
- {name: k, cluster: {${secure(s)}}}
- {name: no-server, cluster: {}}
- cluster: {server: "https://127.0.0.1:1"}
users:
- {name: u, user: {token: alpha}}
- {name: cert-without-key, user: {client-certificate: missing.crt}}
- user: {token: nameless}
contexts:
- {name: c, context: {cluster: k, user: u}}
- {name: no-cluster, context: {user: u}}
- {name: missing-user, context: {cluster: k, user: nobody}}
`,
    }),
    explicit: 'config.yaml',
    expect: 'same',
  },
  {
    name: 'a name defined twice in one file',
    files: (s) => ({
      'config.yaml': `current-context: c\nclusters:\n- {name: k, cluster: {${secure(s)}}}\n- {name: k, cluster: {server: "${s.http}"}}\nusers:\n- {name: u, user: {token: alpha}}\ncontexts:\n- {name: c, context: {cluster: k, user: u}}\n`,
    }),
    explicit: 'config.yaml',
    expect: { rejected: /duplicate name "k"/ },
  },
  {
    name: 'YAML 1.1 booleans: insecure-skip-tls-verify: yes, disable-compression: on',
    files: (s) => ({
      'config.yaml': single(
        `server: "${s.https}", insecure-skip-tls-verify: yes, disable-compression: on`,
        'token: alpha',
      ),
    }),
    explicit: 'config.yaml',
    expect: 'same',
  },
  {
    name: 'YAML 1.1 booleans: insecure-skip-tls-verify: off keeps verification',
    files: (s) => ({
      'config.yaml': single(`${secure(s)}, insecure-skip-tls-verify: off`, 'token: alpha'),
    }),
    explicit: 'config.yaml',
    expect: 'same',
  },
  {
    name: 'YAML 1.1: an unquoted yes where a string belongs',
    files: (s) => ({ 'config.yaml': single(secure(s), 'token: yes') }),
    explicit: 'config.yaml',
    expect: { rejected: /users\.user\.token .*string/ },
  },
  {
    name: 'YAML 1.1: an unquoted octal-looking number where a string belongs',
    files: (s) => ({ 'config.yaml': single(secure(s), 'token: 0755') }),
    explicit: 'config.yaml',
    expect: { rejected: /users\.user\.token .*string/ },
  },
  {
    name: 'YAML: a quoted "true" where a boolean belongs',
    files: (s) => ({
      'config.yaml': single(
        `server: "${s.https}", insecure-skip-tls-verify: "true"`,
        'token: alpha',
      ),
    }),
    explicit: 'config.yaml',
    expect: { rejected: /clusters\.cluster\.insecure-skip-tls-verify/ },
  },
  {
    name: 'YAML: a single string where as-groups needs a list',
    files: (s) => ({
      'config.yaml': single(secure(s), 'token: alpha, as: jane, as-groups: ml-team'),
    }),
    explicit: 'config.yaml',
    expect: { rejected: /users\.user\.as-groups/ },
  },
  {
    name: 'YAML: quoted scalars stay strings',
    files: (s) => ({ 'config.yaml': single(secure(s), 'token: "0755", as: "yes"') }),
    explicit: 'config.yaml',
    expect: 'same',
  },
  {
    name: 'current-context naming a context that does not exist',
    files: (s) => ({
      'config.yaml': single(secure(s), 'token: alpha').replace(
        'current-context: c',
        'current-context: nope',
      ),
    }),
    explicit: 'config.yaml',
    expect: { rejected: /context.*"?nope"?/ },
  },
  {
    name: 'a context naming a cluster that does not exist',
    files: (s) => ({
      'config.yaml': single(secure(s), 'token: alpha').replace(
        '{cluster: k, user: u}',
        '{cluster: gone, user: u}',
      ),
    }),
    explicit: 'config.yaml',
    expect: {
      deliberate:
        'kubectl falls back to http://localhost:8080; we stop and name the missing cluster',
      kubectl: /localhost:8080/,
      ours: /cluster "gone"/,
    },
  },
  {
    name: 'a context naming a user that does not exist',
    files: (s) => ({
      'config.yaml': single(secure(s), 'token: alpha').replace(
        '{cluster: k, user: u}',
        '{cluster: k, user: gone}',
      ),
    }),
    explicit: 'config.yaml',
    expect: {
      deliberate:
        'kubectl asks for a username and password on its terminal (without one: "EOF"); we have no terminal to ask on, so we stop and name the missing user',
      kubectl: /EOF/,
      ours: /user "gone"/,
    },
  },
];
