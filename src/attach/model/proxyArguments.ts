/**
 * What dist/sshProxy.js needs: where the kubeconfig is, which context, and the pod by its exact
 * name (never a label selector: anyone who may create pods can set a label).
 */
export interface ProxyArguments {
  readonly kubeconfig: string;
  readonly context: string;
  readonly namespace: string;
  readonly pod: string;
  readonly port: number;
}

/** argv of the proxy, as Attach Workspace writes it into the ssh config. */
export function proxyArgv(args: ProxyArguments): string[] {
  return [
    '--kubeconfig',
    args.kubeconfig,
    '--context',
    args.context,
    '--namespace',
    args.namespace,
    '--pod',
    args.pod,
    '--port',
    String(args.port),
  ];
}

/** Parses the proxy's argv; throws a message for ssh's stderr when something is missing. */
export function parseProxyArguments(argv: readonly string[]): ProxyArguments {
  const values = new Map<string, string>();
  for (let index = 0; index < argv.length; index += 2) {
    const flag = argv[index];
    if (!flag.startsWith('--') || index + 1 >= argv.length)
      throw new Error(`kube-ml ssh proxy: unexpected argument "${flag}"`);
    values.set(flag.slice(2), argv[index + 1]);
  }
  const required = (name: string) => {
    const value = values.get(name);
    if (!value) throw new Error(`kube-ml ssh proxy: --${name} is required`);
    return value;
  };
  const port = Number(required('port'));
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new Error(`kube-ml ssh proxy: --port must be 1-65535`);
  return {
    kubeconfig: required('kubeconfig'),
    context: required('context'),
    namespace: required('namespace'),
    pod: required('pod'),
    port,
  };
}
