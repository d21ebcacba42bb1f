// A client-node KubeConfig for the admin identity, built straight from kwok's PKI (kept out of
// kubeconfig.ts so the fast `up` reuse path does not load @kubernetes/client-node).
import * as k8s from '@kubernetes/client-node';
import { type AdminCredentials, apiServerUrl, b64 } from './kubeconfig';
import { ADMIN_CONTEXT, CLUSTER_NAME } from './paths';

export function adminKubeConfig(credentials: AdminCredentials): k8s.KubeConfig {
  const kubeConfig = new k8s.KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [
      {
        name: CLUSTER_NAME,
        server: apiServerUrl(),
        caData: b64(credentials.caPem),
        skipTLSVerify: false,
      },
    ],
    users: [
      {
        name: 'kube-ml-sandbox-admin',
        certData: b64(credentials.certPem),
        keyData: b64(credentials.keyPem),
      },
    ],
    contexts: [
      {
        name: ADMIN_CONTEXT,
        cluster: CLUSTER_NAME,
        user: 'kube-ml-sandbox-admin',
        namespace: 'default',
      },
    ],
    currentContext: ADMIN_CONTEXT,
  });
  return kubeConfig;
}
