// Shared helpers for extension-host suites (test/vscode/*.test.ts).
import * as vscode from 'vscode';
import * as k8s from '@kubernetes/client-node';
import type { Services } from '../../src/common/services';
import type { KubeMlApi } from '../../src/extension';

export const EXTENSION_ID = 'kube-ml-workbench.kube-ml-workbench';

/** Activates the extension under test (if VS Code has not yet) and returns what activate() returned. */
export async function getApi(): Promise<KubeMlApi> {
  const extension = vscode.extensions.getExtension<KubeMlApi>(EXTENSION_ID);
  if (!extension) {
    throw new Error(
      `Extension ${EXTENSION_ID} is not loaded in this window; is extensionDevelopmentPath the repo root?`,
    );
  }
  const api = extension.isActive ? extension.exports : await extension.activate();
  if (!api?.services) {
    throw new Error(`Extension ${EXTENSION_ID} activated but returned no services`);
  }
  return api;
}

/** The sandbox cluster's kubeconfig, which the launcher passes in KMW_SANDBOX_KUBECONFIG. */
export function sandboxKubeconfigPath(): string {
  const file = process.env.KMW_SANDBOX_KUBECONFIG;
  if (!file) {
    throw new Error(
      'KMW_SANDBOX_KUBECONFIG is not set: run the suites through `npm run test:vscode`',
    );
  }
  return file;
}

/** The sandbox's admin identity, for setting up and checking what a suite works on. */
export function adminKubeConfig(): k8s.KubeConfig {
  const kubeConfig = new k8s.KubeConfig();
  kubeConfig.loadFromFile(sandboxKubeconfigPath());
  kubeConfig.setCurrentContext('kube-ml-sandbox');
  return kubeConfig;
}

/** Creates a suite's namespace, labelled so the sandbox knows it for a test namespace. */
export async function createTestNamespace(core: k8s.CoreV1Api, namespace: string): Promise<void> {
  await core.createNamespace({
    body: {
      metadata: { name: namespace, labels: { 'sandbox.kube-ml.dev/test-namespace': 'true' } },
    },
  });
}

/** Switches the extension's session to `namespace` once there is a session; returns the namespace it had. */
export async function switchSessionNamespace(
  services: Services,
  namespace: string,
): Promise<string> {
  const session = await waitFor(() => services.connection.session, 15_000, 'a session');
  const originalNamespace = session.namespace;
  await services.connection.switchNamespace(namespace);
  await waitFor(
    () => services.connection.session?.namespace === namespace,
    15_000,
    `the session to switch to ${namespace}`,
  );
  return originalNamespace;
}

import { waitFor } from '../waitFor';

export { waitFor };
