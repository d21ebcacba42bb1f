// Writes `.sandbox/kubeconfig`: self-contained (certificates embedded, no paths into the kwok
// work folder; the sign-in plugin by its absolute path in the repo) with the admin context current,
// and one context per kind of user the product meets: a developer with a static token, a user who
// signs in through an exec plugin, and one who may act in a single namespace only.
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  ADMIN_CONTEXT,
  CLUSTER_NAME,
  DEVELOPER_CONTEXT,
  LOOPBACK,
  NAMESPACE_ONLY_CONTEXT,
  NAMESPACE_ONLY_NAMESPACE,
  PKI_DIR,
  PORTS,
  SSO_CONTEXT,
} from './paths';
import { LOGIN_PLUGIN, LOGIN_URL_ENV, signInUrl } from './signIn';

export interface AdminCredentials {
  caPem: string;
  certPem: string;
  keyPem: string;
}

export function apiServerUrl(): string {
  return `https://${LOOPBACK}:${PORTS.apiserver}`;
}

export function readAdminCredentials(): AdminCredentials {
  const read = (file: string): string => fs.readFileSync(path.join(PKI_DIR, file), 'utf8');
  return { caPem: read('ca.crt'), certPem: read('admin.crt'), keyPem: read('admin.key') };
}

export const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');

export interface StaticTokens {
  developer: string;
  namespaceOnly: string;
}

export function writeSandboxKubeConfig(
  file: string,
  credentials: AdminCredentials,
  tokens: StaticTokens,
): void {
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: CLUSTER_NAME,
        cluster: { server: apiServerUrl(), 'certificate-authority-data': b64(credentials.caPem) },
      },
    ],
    users: [
      {
        name: 'kube-ml-sandbox-admin',
        user: {
          'client-certificate-data': b64(credentials.certPem),
          'client-key-data': b64(credentials.keyPem),
        },
      },
      { name: 'kube-ml-sandbox-developer', user: { token: tokens.developer } },
      {
        name: 'kube-ml-sandbox-sso',
        user: {
          exec: {
            apiVersion: 'client.authentication.k8s.io/v1',
            command: LOGIN_PLUGIN,
            env: [{ name: LOGIN_URL_ENV, value: signInUrl() }],
            // A device-code login never reads stdin: the prompt goes to stderr, the user to a browser.
            interactiveMode: 'Never',
            provideClusterInfo: false,
            installHint:
              'kmw-sandbox-login is part of the repository (scripts/sandbox/login); start the sandbox with `npm run sandbox -- up`.',
          },
        },
      },
      { name: 'kube-ml-sandbox-ns-only', user: { token: tokens.namespaceOnly } },
    ],
    contexts: [
      {
        name: ADMIN_CONTEXT,
        context: { cluster: CLUSTER_NAME, user: 'kube-ml-sandbox-admin', namespace: 'default' },
      },
      {
        name: DEVELOPER_CONTEXT,
        context: { cluster: CLUSTER_NAME, user: 'kube-ml-sandbox-developer', namespace: 'ml-team' },
      },
      {
        name: SSO_CONTEXT,
        context: { cluster: CLUSTER_NAME, user: 'kube-ml-sandbox-sso', namespace: 'ml-team' },
      },
      {
        name: NAMESPACE_ONLY_CONTEXT,
        context: {
          cluster: CLUSTER_NAME,
          user: 'kube-ml-sandbox-ns-only',
          namespace: NAMESPACE_ONLY_NAMESPACE,
        },
      },
    ],
    'current-context': ADMIN_CONTEXT,
  };
  const temporary = `${file}.tmp`;
  fs.writeFileSync(temporary, JSON.stringify(config, null, 2), { mode: 0o600 });
  fs.renameSync(temporary, file);
}
