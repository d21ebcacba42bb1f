// Writes `.sandbox/kubeconfig`: self-contained (certificates embedded, no paths into the kwok
// work folder) with the admin context current and a developer context for RBAC tests.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ADMIN_CONTEXT, CLUSTER_NAME, DEVELOPER_CONTEXT, KWOK_WORKDIR, LOOPBACK, PORTS } from './paths';

export const PKI_DIR = path.join(KWOK_WORKDIR, 'clusters', CLUSTER_NAME, 'pki');

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

export function writeSandboxKubeConfig(file: string, credentials: AdminCredentials, developerToken: string): void {
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{
      name: CLUSTER_NAME,
      cluster: { server: apiServerUrl(), 'certificate-authority-data': b64(credentials.caPem) },
    }],
    users: [
      {
        name: 'kube-ml-sandbox-admin',
        user: { 'client-certificate-data': b64(credentials.certPem), 'client-key-data': b64(credentials.keyPem) },
      },
      { name: 'kube-ml-sandbox-developer', user: { token: developerToken } },
    ],
    contexts: [
      { name: ADMIN_CONTEXT, context: { cluster: CLUSTER_NAME, user: 'kube-ml-sandbox-admin', namespace: 'default' } },
      {
        name: DEVELOPER_CONTEXT,
        context: { cluster: CLUSTER_NAME, user: 'kube-ml-sandbox-developer', namespace: 'ml-team' },
      },
    ],
    'current-context': ADMIN_CONTEXT,
  };
  const temporary = `${file}.tmp`;
  fs.writeFileSync(temporary, JSON.stringify(config, null, 2), { mode: 0o600 });
  fs.renameSync(temporary, file);
}
