// The ssh ProxyCommand of Attach Workspace (bundled to dist/sshProxy.js): carries ssh's stdio to
// the pod's sshd through the API server's port-forward, with no kubectl on the machine.
import { ExecCredentialCache } from '../cluster/execCredentials/credentialCache';
import { resolveKubeconfig } from '../cluster/kubeconfigResolver';
import { PodPortSession } from '../cluster/podPortSession';
import { resolveRunningPod } from '../cluster/podResolver';
import { sessionKubeConfig } from '../cluster/sessionKubeConfig';
import { parseProxyArguments } from './model/proxyArguments';

/** After a signal, how long the half-closed connection may take to finish before we exit anyway. */
const SIGNAL_GRACE_MS = 200;

async function main(): Promise<void> {
  const args = parseProxyArguments(process.argv.slice(2));
  // Merged like kubectl from the window's KUBECONFIG list. An exec plugin's prompt goes to stderr,
  // which Remote-SSH shows in its log; ssh owns stdin, so no plugin gets interactive input here.
  const resolved = resolveKubeconfig({ env: { ...process.env, KUBECONFIG: args.kubeconfig } });
  const credentials = new ExecCredentialCache({
    surface: {
      show: (signIn) =>
        void signIn.onLine((line) =>
          process.stderr.write(`kube-ml ssh proxy: ${signIn.plugin}: ${line}\n`),
        ),
      terminal: () => undefined,
    },
  });
  // The same checks and credentials as the window's session of this context.
  const kubeConfig = sessionKubeConfig(resolved, args.context, credentials);
  // Says "not running" plainly instead of a failed tunnel when the pod is stopped or gone.
  await resolveRunningPod(kubeConfig, { namespace: args.namespace, podName: args.pod });
  const session = await PodPortSession.open(kubeConfig, args.namespace, args.pod);
  let exiting = false;
  const exit = (code: number) => {
    if (exiting) return;
    exiting = true;
    session.dispose();
    process.stdout.end(() => process.exit(code));
  };
  const stream = session.openStream(args.port, {
    onData: (data) => {
      if (!process.stdout.write(data)) stream.pauseIncoming();
    },
    onEnd: () => exit(0),
    onError: (message) => {
      process.stderr.write(`kube-ml ssh proxy: ${message.trim()}\n`);
      exit(1);
    },
    onWritable: () => process.stdin.resume(),
  });
  process.stdout.on('drain', () => stream.resumeIncoming());
  process.stdin.on('data', (data: Buffer) => {
    if (!stream.write(data)) process.stdin.pause();
  });
  // ssh closed its end: half-close, so the reply still on its way arrives before we exit.
  process.stdin.on('end', () => stream.end());
  // ssh ends its ProxyCommand with SIGHUP: close the connection to sshd properly on the way out,
  // or the pod side may keep the sshd session open.
  for (const signal of ['SIGHUP', 'SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      stream.end();
      setTimeout(() => exit(0), SIGNAL_GRACE_MS).unref();
    });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `kube-ml ssh proxy: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
