/**
 * The ssh config Kube ML owns (~/.ssh/kube-ml/config) and the one Include line it asks to add
 * to ~/.ssh/config. Pure text transforms, unit-tested.
 */

/** Quotes one word for the POSIX shell ssh runs ProxyCommand with (context names may hold anything). */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** A host alias ssh accepts: letters, digits, dots and dashes only. */
export function sshHostAlias(contextName: string, namespace: string, devPodName: string): string {
  const clean = (text: string) => text.toLowerCase().replace(/[^a-z0-9.-]+/g, '-').replace(/^-+|-+$/g, '');
  return `kubeml.${clean(contextName)}.${clean(namespace)}.${clean(devPodName)}`;
}

export interface SshHostEntry {
  readonly alias: string;
  readonly user: string;
  readonly identityFile: string;
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
  const environment = Object.entries(entry.proxyEnvironment ?? {}).map(([name, value]) => `${name}=${shellQuote(value)}`);
  return [
    BEGIN(entry.alias),
    `Host ${entry.alias}`,
    `  User ${entry.user}`,
    `  IdentityFile ${literalPercent(shellQuote(entry.identityFile))}`,
    '  IdentitiesOnly yes',
    // The tunnel is the API server's authenticated TLS connection, and the pod's host key is new
    // whenever the pod is recreated: pinning it would only break reconnects.
    '  StrictHostKeyChecking no',
    '  UserKnownHostsFile /dev/null',
    '  LogLevel ERROR',
    // ssh runs "exec <ProxyCommand>" in a shell, and exec takes no NAME=value prefix: env sets them.
    `  ProxyCommand ${literalPercent([...(environment.length > 0 ? ['env', ...environment] : []), ...entry.proxyCommand.map(shellQuote)].join(' '))}`,
    END(entry.alias),
  ].join('\n');
}

/** Replaces the block of `alias` in the Kube ML config (or appends it). */
export function upsertHostEntry(configText: string, entry: SshHostEntry): string {
  const block = renderHostEntry(entry);
  const begin = configText.indexOf(BEGIN(entry.alias));
  const end = configText.indexOf(END(entry.alias));
  if (begin >= 0 && end > begin) {
    return `${configText.slice(0, begin)}${block}${configText.slice(end + END(entry.alias).length)}`;
  }
  const separator = configText.length === 0 || configText.endsWith('\n') ? '' : '\n';
  return `${configText}${separator}${block}\n`;
}

export function includeLine(kubeMlConfigPath: string): string {
  return `Include ${shellQuote(kubeMlConfigPath)}`;
}

export function hasInclude(userConfigText: string, kubeMlConfigPath: string): boolean {
  return userConfigText.split(/\r?\n/).some((line) => line.trim() === includeLine(kubeMlConfigPath));
}

/** Include goes first: ssh applies an Include inside a Host block only to that host. */
export function withInclude(userConfigText: string, kubeMlConfigPath: string): string {
  if (hasInclude(userConfigText, kubeMlConfigPath)) return userConfigText;
  return `# Added by Kube ML Workbench: hosts for dev pods\n${includeLine(kubeMlConfigPath)}\n\n${userConfigText}`;
}
