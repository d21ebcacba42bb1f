import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as yaml from 'js-yaml';
import { KubeConfig, type Cluster, type Context, type User } from '@kubernetes/client-node';
import { KubeMlError } from './errors';
import { EXEC_CLUSTER_EXTENSION } from './execCredentials/execClusterInfo';
import {
  findExecutable,
  installHintText,
  pluginMissingError,
} from './execCredentials/pluginExecutable';
import { kubeconfigEntries, type KubeconfigEntries } from './kubeconfigEntries';
import { KUBECONFIG_YAML_SCHEMA } from './kubeconfigYaml';

/**
 * Finds and loads the kubeconfig exactly as kubectl does:
 *  1. an explicit path (our `kubeMl.kubeconfig` setting, like `--kubeconfig`) must exist;
 *  2. else every file in KUBECONFIG (missing ones skipped), merged: the first file that defines a
 *     cluster, user or context name wins, and current-context comes from the first file setting it;
 *  3. else ~/.kube/config;
 *  4. else the in-cluster ServiceAccount.
 * client-node's own loadFromDefault differs (it throws on duplicate names and lets the LAST file
 * set current-context), so the merge is done here.
 */
export type KubeconfigSourceKind = 'setting' | 'env' | 'home' | 'inCluster';

export interface KubeconfigLocation {
  readonly source: KubeconfigSourceKind;
  /** Files that exist and are read, in precedence order. */
  readonly files: readonly string[];
  /** Files that were named but are absent (watched so that creating them triggers a reload). */
  readonly missing: readonly string[];
}

export interface ResolvedKubeconfig extends KubeconfigLocation {
  readonly kubeConfig: KubeConfig;
  /** Cluster name to its `client.authentication.k8s.io/exec` extension (client-node drops extensions). */
  readonly execExtensions: ReadonlyMap<string, unknown>;
}

export interface ResolveOptions {
  /** The `kubeMl.kubeconfig` setting ('' or undefined when unset); `~` is expanded. */
  readonly settingPath?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly homeDir?: string;
  /** Relative file names resolve against it, as kubectl's do against its working directory. */
  readonly cwd?: string;
  /** Prepended to /var/run/secrets/kubernetes.io/serviceaccount (tests point it at a temp folder). */
  readonly inClusterPrefix?: string;
}

const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

function expandHome(file: string, homeDir: string): string {
  if (file === '~') {
    return homeDir;
  }
  if (file.startsWith('~/') || file.startsWith(`~${path.sep}`)) {
    return path.join(homeDir, file.slice(2));
  }
  return file.replace(/\$\{userHome\}/g, homeDir);
}

/**
 * Which files kubectl would read, without reading them. KUBECONFIG is split as client-go splits it:
 * entries are neither trimmed nor ~-expanded (the shell expands ~), empty ones are skipped, and a
 * KUBECONFIG that is set never falls back to ~/.kube/config, even when it names no file.
 */
export function locateKubeconfig(options: ResolveOptions = {}): KubeconfigLocation {
  const env = options.env ?? process.env;
  const homeDir = options.homeDir ?? os.homedir();
  const cwd = options.cwd ?? process.cwd();
  const setting = options.settingPath?.trim();
  if (setting) {
    const file = path.resolve(cwd, expandHome(setting, homeDir));
    return fs.existsSync(file)
      ? { source: 'setting', files: [file], missing: [] }
      : { source: 'setting', files: [], missing: [file] };
  }
  if (env.KUBECONFIG) {
    const entries = env.KUBECONFIG.split(path.delimiter).filter((entry) => entry.length > 0);
    const unique = [...new Set(entries.map((entry) => path.resolve(cwd, entry)))];
    return {
      source: 'env',
      files: unique.filter((file) => fs.existsSync(file)),
      missing: unique.filter((file) => !fs.existsSync(file)),
    };
  }
  const homeConfig = path.join(homeDir, '.kube', 'config');
  if (fs.existsSync(homeConfig)) {
    return { source: 'home', files: [homeConfig], missing: [] };
  }
  return { source: 'inCluster', files: [], missing: [homeConfig] };
}

interface ParsedFile {
  readonly file: string;
  readonly config: KubeConfig;
  readonly currentContext: string | undefined;
  readonly execExtensions: ReadonlyMap<string, unknown>;
}

/** Each cluster's exec plugin extension, read from the YAML document since client-node ignores it. */
function execExtensionsOf(clusters: unknown): Map<string, unknown> {
  const found = new Map<string, unknown>();
  for (const entry of Array.isArray(clusters) ? clusters : []) {
    const { name, cluster } = (entry ?? {}) as {
      name?: unknown;
      cluster?: { extensions?: unknown };
    };
    const extensions = cluster?.extensions;
    if (typeof name !== 'string' || !Array.isArray(extensions)) continue;
    const exec = extensions.find(
      (extension: { name?: unknown } | null) => extension?.name === EXEC_CLUSTER_EXTENSION,
    ) as { extension?: unknown } | undefined;
    if (exec?.extension !== undefined) found.set(name, exec.extension);
  }
  return found;
}

/** Reads one kubeconfig file; a malformed one becomes a KubeMlError naming it and the parse error. */
export function parseKubeconfigFile(file: string): ParsedFile {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new KubeMlError(
      'noKubeconfig',
      `Cannot read the kubeconfig file ${file}: ${(error as Error).message}.`,
      'Check that the file exists and is readable, or change the "kubeMl.kubeconfig" setting.',
      `read ${file}: ${(error as Error).message}`,
    );
  }
  return parseKubeconfigText(text, file);
}

export function parseKubeconfigText(text: string, file: string): ParsedFile {
  const malformed = (reason: string): KubeMlError =>
    new KubeMlError(
      'malformedKubeconfig',
      `The kubeconfig file ${file} is malformed: ${reason}`,
      'Fix the file (kubectl config view shows how kubectl reads it) or point "kubeMl.kubeconfig" at another file.',
      `parse ${file}: ${reason}`,
    );
  let document: unknown;
  try {
    document = yaml.load(text, { schema: KUBECONFIG_YAML_SCHEMA });
  } catch (error) {
    const yamlError = error as {
      reason?: string;
      mark?: { line: number; column: number };
      message: string;
    };
    const where = yamlError.mark
      ? ` at line ${yamlError.mark.line + 1}, column ${yamlError.mark.column + 1}`
      : '';
    throw malformed(`${yamlError.reason ?? yamlError.message.split('\n')[0]}${where}.`);
  }
  const config = new KubeConfig();
  if (document === undefined || document === null) {
    // kubectl treats an empty file as an empty config.
    config.loadFromOptions({ clusters: [], users: [], contexts: [], currentContext: undefined });
    return { file, config, currentContext: undefined, execExtensions: new Map() };
  }
  if (typeof document !== 'object' || Array.isArray(document)) {
    throw malformed('it is not a YAML mapping with clusters, users and contexts.');
  }
  const sections = document as Record<string, unknown>;
  for (const key of ['clusters', 'users', 'contexts']) {
    if (sections[key] !== undefined && sections[key] !== null && !Array.isArray(sections[key])) {
      throw malformed(`"${key}" must be a list.`);
    }
  }
  let entries: KubeconfigEntries;
  try {
    entries = kubeconfigEntries(sections, file);
  } catch (error) {
    throw malformed(`${(error as Error).message}.`);
  }
  config.loadFromOptions({
    clusters: entries.clusters,
    users: entries.users,
    contexts: entries.contexts,
    currentContext: entries.currentContext,
  });
  return {
    file,
    config,
    currentContext: entries.currentContext,
    execExtensions: execExtensionsOf(sections.clusters),
  };
}

/** kubectl's merge: first definition of each name wins; current-context from the first file that sets one. */
export function mergeKubeconfigs(parsed: readonly ParsedFile[]): KubeConfig {
  const clusters = new Map<string, Cluster>();
  const users = new Map<string, User>();
  const contexts = new Map<string, Context>();
  let currentContext: string | undefined;
  for (const { config, currentContext: current } of parsed) {
    currentContext ??= current;
    for (const cluster of config.getClusters())
      if (!clusters.has(cluster.name)) clusters.set(cluster.name, cluster);
    for (const user of config.getUsers()) if (!users.has(user.name)) users.set(user.name, user);
    for (const context of config.getContexts())
      if (!contexts.has(context.name)) contexts.set(context.name, context);
  }
  const merged = new KubeConfig();
  merged.loadFromOptions({
    clusters: [...clusters.values()],
    users: [...users.values()],
    contexts: [...contexts.values()],
    currentContext,
  });
  return merged;
}

/** The exec extension of each cluster comes from the file whose definition of the cluster wins. */
function mergeExecExtensions(parsed: readonly ParsedFile[]): Map<string, unknown> {
  const seen = new Set<string>();
  const merged = new Map<string, unknown>();
  for (const { config, execExtensions } of parsed) {
    for (const { name } of config.getClusters()) {
      if (seen.has(name)) continue;
      seen.add(name);
      if (execExtensions.has(name)) merged.set(name, execExtensions.get(name));
    }
  }
  return merged;
}

function inClusterAvailable(env: NodeJS.ProcessEnv, prefix: string): boolean {
  return Boolean(
    env.KUBERNETES_SERVICE_HOST &&
    env.KUBERNETES_SERVICE_PORT &&
    fs.existsSync(`${prefix}${SERVICE_ACCOUNT_DIR}/token`),
  );
}

function noKubeconfigError(location: KubeconfigLocation): KubeMlError {
  if (location.source === 'setting') {
    return new KubeMlError(
      'noKubeconfig',
      `The kubeconfig file ${location.missing[0]} named by the "kubeMl.kubeconfig" setting does not exist.`,
      'Fix the setting or clear it to use KUBECONFIG or ~/.kube/config like kubectl.',
    );
  }
  if (location.source === 'env') {
    const named = location.missing.length
      ? `None of the kubeconfig files in KUBECONFIG exist (${location.missing.join(', ')}).`
      : 'KUBECONFIG is set but names no file.';
    return new KubeMlError(
      'noKubeconfig',
      named,
      'Fix KUBECONFIG for the environment VS Code starts in, or set "kubeMl.kubeconfig".',
    );
  }
  return new KubeMlError(
    'noKubeconfig',
    'No kubeconfig was found: KUBECONFIG is not set, ~/.kube/config does not exist and VS Code is not running inside a cluster.',
    'Create ~/.kube/config (for example with your cloud CLI), or set "kubeMl.kubeconfig" to a kubeconfig file.',
  );
}

/** client-node reads KUBERNETES_SERVICE_HOST/PORT from process.env; tests pass their own env. */
function withEnv(env: NodeJS.ProcessEnv, load: () => void): void {
  if (env === process.env) {
    load();
    return;
  }
  const saved = {
    host: process.env.KUBERNETES_SERVICE_HOST,
    port: process.env.KUBERNETES_SERVICE_PORT,
  };
  process.env.KUBERNETES_SERVICE_HOST = env.KUBERNETES_SERVICE_HOST;
  process.env.KUBERNETES_SERVICE_PORT = env.KUBERNETES_SERVICE_PORT;
  try {
    load();
  } finally {
    for (const [key, value] of [
      ['KUBERNETES_SERVICE_HOST', saved.host],
      ['KUBERNETES_SERVICE_PORT', saved.port],
    ] as const) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
}

/** Locates, reads and merges the kubeconfig; throws a KubeMlError ('noKubeconfig' / 'malformedKubeconfig'). */
export function resolveKubeconfig(options: ResolveOptions = {}): ResolvedKubeconfig {
  const env = options.env ?? process.env;
  const location = locateKubeconfig(options);
  if (location.files.length === 0) {
    const prefix = options.inClusterPrefix ?? '';
    if (location.source !== 'setting' && inClusterAvailable(env, prefix)) {
      const kubeConfig = new KubeConfig();
      withEnv(env, () => kubeConfig.loadFromCluster(prefix));
      return {
        source: 'inCluster',
        files: [],
        missing: location.missing,
        kubeConfig,
        execExtensions: new Map(),
      };
    }
    throw noKubeconfigError(location);
  }
  const parsed = location.files.map(parseKubeconfigFile);
  return {
    ...location,
    kubeConfig: mergeKubeconfigs(parsed),
    execExtensions: mergeExecExtensions(parsed),
  };
}

/** Where each kubectl-style source came from, for the output channel (no credentials). */
export function describeLocation(location: KubeconfigLocation): string {
  switch (location.source) {
    case 'setting':
      return `kubeMl.kubeconfig setting: ${location.files[0] ?? location.missing[0]}`;
    case 'env':
      return `KUBECONFIG: ${location.files.join(path.delimiter)}${location.missing.length ? ` (missing: ${location.missing.join(', ')})` : ''}`;
    case 'home':
      return location.files[0];
    case 'inCluster':
      return 'in-cluster ServiceAccount';
  }
}

/**
 * Before any request, checks that the exec credential plugin of `contextName`'s user exists, so
 * the user reads "gke-gcloud-auth-plugin is not installed" instead of a spawn error.
 */
export function checkExecPlugin(
  kubeConfig: KubeConfig,
  contextName: string,
  env: NodeJS.ProcessEnv = process.env,
): KubeMlError | undefined {
  const context = kubeConfig.getContextObject(contextName);
  const user = context ? kubeConfig.getUser(context.user) : null;
  const exec = user?.exec as { command?: unknown; installHint?: unknown } | undefined;
  if (!exec || typeof exec.command !== 'string' || exec.command.length === 0) {
    return undefined;
  }
  if (findExecutable(exec.command, env)) {
    return undefined;
  }
  return pluginMissingError(
    `Context "${contextName}"`,
    exec.command,
    installHintText(exec.installHint),
    env,
  );
}
