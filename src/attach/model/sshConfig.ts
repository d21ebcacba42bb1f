/**
 * The ssh config Kube ML owns (~/.ssh/kube-ml/config) and the one Include line it asks to add
 * to ~/.ssh/config. Pure text transforms, unit-tested.
 */
import { createHash } from 'node:crypto';
import { KubeMlError } from '../../cluster/errors';

/** Quotes one word for the POSIX shell ssh runs ProxyCommand with (context names may hold anything). */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * A host alias ssh accepts (letters, digits, dots and dashes), one per context, namespace and pod:
 * the readable part loses characters, so a hash of the exact names keeps different pods apart.
 */
export function sshHostAlias(contextName: string, namespace: string, devPodName: string): string {
  const clean = (text: string) =>
    text
      .toLowerCase()
      .replace(/[^a-z0-9.-]+/g, '-')
      .replace(/^-+|-+$/g, '');
  const hash = createHash('sha256')
    .update(JSON.stringify([contextName, namespace, devPodName]))
    .digest('hex')
    .slice(0, 8);
  return `kubeml.${clean(contextName)}.${clean(namespace)}.${clean(devPodName)}.${hash}`;
}

/** A line break (or any control character) in a value would start a directive of its own. */
const CONTROL_CHARACTER = /\p{Cc}/u;

function refuseControlCharacters(entry: SshHostEntry): void {
  const values = [
    entry.alias,
    entry.user,
    entry.identityFile,
    entry.knownHostsFile,
    ...entry.proxyCommand,
    ...Object.entries(entry.proxyEnvironment ?? {}).flat(),
  ];
  const bad = values.find((value) => CONTROL_CHARACTER.test(value));
  if (bad !== undefined) {
    throw new KubeMlError(
      'invalidInput',
      `Cannot write an ssh host entry for ${JSON.stringify(bad)}: it holds a control character (a line break would add ssh directives).`,
      'Rename the kubeconfig context (or move the kubeconfig file) so that its name has no control characters.',
    );
  }
}

/** A user name as the pod reported it: only what ssh takes literally (it expands %-tokens in User). */
const SSH_USER = /^[A-Za-z_][A-Za-z0-9_.-]{0,63}\$?$/;

export interface SshHostEntry {
  readonly alias: string;
  readonly user: string;
  readonly identityFile: string;
  /** This host's own known_hosts file, holding the one key its sshd showed us over exec. */
  readonly knownHostsFile: string;
  /** argv of the proxy: quoted here, never joined unquoted. */
  readonly proxyCommand: readonly string[];
  /** Environment assignments put in front of the proxy (ELECTRON_RUN_AS_NODE=1 for VS Code's binary). */
  readonly proxyEnvironment?: Readonly<Record<string, string>>;
}

const BEGIN = (alias: string) => `# >>> kube-ml ${alias}`;
const END = (alias: string) => `# <<< kube-ml ${alias}`;

/** ssh expands %h, %p, %% ... in IdentityFile and ProxyCommand: a literal % must be doubled. */
function literalPercent(text: string): string {
  return text.replace(/%/g, '%%');
}

export function renderHostEntry(entry: SshHostEntry): string {
  refuseControlCharacters(entry);
  if (!SSH_USER.test(entry.user)) {
    throw new KubeMlError(
      'invalidInput',
      `The pod's sshd runs as ${JSON.stringify(entry.user)}, which is not a user name ssh can be given.`,
      'Run the image as an ordinary user.',
    );
  }
  const environment = Object.entries(entry.proxyEnvironment ?? {}).map(
    ([name, value]) => `${name}=${shellQuote(value)}`,
  );
  return [
    BEGIN(entry.alias),
    `Host ${entry.alias}`,
    `  User ${entry.user}`,
    `  IdentityFile ${literalPercent(shellQuote(entry.identityFile))}`,
    '  IdentitiesOnly yes',
    // The host key is pinned: Attach reads it from the pod over exec and writes this host's own
    // known_hosts, so a different sshd behind the alias (another pod, another key) is refused.
    `  HostKeyAlias ${entry.alias}`,
    '  StrictHostKeyChecking yes',
    `  UserKnownHostsFile ${literalPercent(shellQuote(entry.knownHostsFile))}`,
    '  ForwardAgent no',
    '  LogLevel ERROR',
    // ssh runs "exec <ProxyCommand>" in a shell, and exec takes no NAME=value prefix: env sets them.
    `  ProxyCommand ${literalPercent([...(environment.length > 0 ? ['env', ...environment] : []), ...entry.proxyCommand.map(shellQuote)].join(' '))}`,
    END(entry.alias),
  ].join('\n');
}

/** Replaces the block of `alias` in the Kube ML config (or appends it); markers match whole lines only. */
export function upsertHostEntry(configText: string, entry: SshHostEntry): string {
  const block = renderHostEntry(entry);
  const lines = configText.split('\n');
  const begin = lines.indexOf(BEGIN(entry.alias));
  const end = begin >= 0 ? lines.indexOf(END(entry.alias), begin + 1) : -1;
  if (end > begin) {
    return [...lines.slice(0, begin), block, ...lines.slice(end + 1)].join('\n');
  }
  const separator = configText.length === 0 || configText.endsWith('\n') ? '' : '\n';
  return `${configText}${separator}${block}\n`;
}

/** The known_hosts line pinning `hostKey` ("ssh-ed25519 AAAA...") for the alias. */
export function knownHostsLine(alias: string, hostKey: string): string {
  const [type, key] = hostKey.trim().split(/\s+/);
  if (
    !/^(ssh-ed25519|ecdsa-sha2-nistp(256|384|521)|ssh-rsa)$/.test(type ?? '') ||
    !/^[A-Za-z0-9+/]+={0,3}$/.test(key ?? '')
  ) {
    throw new KubeMlError(
      'invalidInput',
      "The pod's sshd reported no usable host key, so its identity cannot be pinned.",
      'Check that ssh-keygen works in the image, then attach again.',
    );
  }
  return `${alias} ${type} ${key}`;
}

export function includeLine(kubeMlConfigPath: string): string {
  return `Include ${shellQuote(kubeMlConfigPath)}`;
}

export function hasInclude(userConfigText: string, kubeMlConfigPath: string): boolean {
  return userConfigText
    .split(/\r?\n/)
    .some((line) => line.trim() === includeLine(kubeMlConfigPath));
}

/** Include goes first: ssh applies an Include inside a Host block only to that host. */
export function withInclude(userConfigText: string, kubeMlConfigPath: string): string {
  if (hasInclude(userConfigText, kubeMlConfigPath)) return userConfigText;
  return `# Added by Kube ML Workbench: hosts for dev pods\n${includeLine(kubeMlConfigPath)}\n\n${userConfigText}`;
}
