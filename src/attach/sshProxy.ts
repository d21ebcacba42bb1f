// The ssh ProxyCommand of Attach Workspace (bundled to dist/sshProxy.js): carries ssh's stdio to
// the pod's sshd through the API server's port-forward, with no kubectl on the machine.
import { KubeConfig } from '@kubernetes/client-node';
import { openPodPortTunnel } from '../cluster/portForward';
import { resolveRunningPod } from '../cluster/podResolver';
import { parseProxyArguments } from './model/proxyArguments';

async function main(): Promise<void> {
  const args = parseProxyArguments(process.argv.slice(2));
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(args.kubeconfig);
  kubeConfig.setCurrentContext(args.context);
  const podName = args.selector ? (await resolveRunningPod(kubeConfig, args.namespace, args.selector)).metadata!.name! : args.pod!;
  let exiting = false;
  const exit = (code: number) => {
    if (exiting) return;
    exiting = true;
    process.stdout.end(() => process.exit(code));
  };
  const tunnel = await openPodPortTunnel(kubeConfig, args.namespace, podName, args.port, {
    onData: (data) => {
      if (!process.stdout.write(data)) tunnel.pause();
    },
    onError: (message) => {
      process.stderr.write(`kube-ml ssh proxy: ${message.trim()}\n`);
      exit(1);
    },
    onClose: () => exit(0),
  });
  process.stdout.on('drain', () => tunnel.resume());
  process.stdin.on('data', (data: Buffer) => tunnel.send(data));
  // No close on stdin's end: the v4 protocol cannot half-close, and closing now would cut off the
  // reply still on its way. ssh ends the proxy when its session ends; the pod side ends it too.
}

main().catch((error: unknown) => {
  process.stderr.write(`kube-ml ssh proxy: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
