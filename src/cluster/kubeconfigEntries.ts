import * as path from 'node:path';
import type { Cluster, Context, User } from '@kubernetes/client-node';
import { commandRelativeTo } from './execCredentials/pluginExecutable';

/** A cluster entry with the client-go fields client-node has no place for. */
export interface KubeconfigCluster extends Cluster {
  readonly disableCompression?: boolean;
}

/** A user entry with the client-go fields client-node has no place for. */
export interface KubeconfigUser extends User {
  readonly tokenFile?: string;
  readonly impersonateGroups?: readonly string[];
  readonly impersonateUid?: string;
  readonly impersonateUserExtra?: Readonly<Record<string, readonly string[]>>;
}

export interface KubeconfigEntries {
  readonly clusters: KubeconfigCluster[];
  readonly users: KubeconfigUser[];
  readonly contexts: Context[];
  readonly currentContext: string | undefined;
}

type Mapping = Record<string, unknown>;

// Says what kind of value was found, never the value: it may be a credential.
function describeValue(value: unknown): string {
  if (typeof value === 'boolean')
    return 'a boolean (unquoted y, yes, on, n, no and off are booleans in a kubeconfig, as in kubectl: quote the value)';
  if (typeof value === 'number') return 'a number (quote the value)';
  if (typeof value === 'string') return 'a string';
  return Array.isArray(value) ? 'a list' : 'a mapping';
}

/**
 * Reads the fields of one entry with the types client-go decodes them into, so a value of the
 * wrong type is refused as kubectl refuses it ("cannot unmarshal bool into ... of type string").
 * `where` names the field the way kubectl does (users.user.token).
 */
class Fields {
  constructor(
    private readonly mapping: Mapping,
    private readonly where: string,
    private readonly owner: string,
  ) {}

  string(key: string): string | undefined {
    const value = this.mapping[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string') throw this.wrongType(key, 'a string', value);
    return value;
  }

  bool(key: string): boolean | undefined {
    const value = this.mapping[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'boolean') throw this.wrongType(key, 'true or false', value);
    return value;
  }

  strings(key: string): string[] | undefined {
    const value = this.mapping[key];
    if (value === undefined || value === null) return undefined;
    if (!Array.isArray(value)) throw this.wrongType(key, 'a list of strings', value);
    return value.map((item, index) => {
      if (typeof item !== 'string') throw this.wrongType(`${key}[${index}]`, 'a string', item);
      return item;
    });
  }

  stringLists(key: string): Record<string, string[]> | undefined {
    const value = this.mapping[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'object' || Array.isArray(value))
      throw this.wrongType(key, 'a mapping of lists of strings', value);
    const nested = new Fields(value as Mapping, `${this.where}.${key}`, this.owner);
    return Object.fromEntries(Object.keys(value).map((name) => [name, nested.strings(name) ?? []]));
  }

  raw(key: string): unknown {
    return this.mapping[key] ?? undefined;
  }

  private wrongType(key: string, expected: string, value: unknown): Error {
    return new Error(
      `${this.where}.${key} of "${this.owner}" must be ${expected}, not ${describeValue(value)}`,
    );
  }
}

/** Each entry of a named list (clusters, users, contexts) as a name and the fields of its body. */
function namedEntries(
  list: unknown,
  section: string,
  body: string,
): { name: string; fields: Fields }[] {
  const seen = new Set<string>();
  return (Array.isArray(list) ? list : []).map((entry: unknown, index) => {
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry))
      throw new Error(`${section}[${index}] must be a mapping with a name and a ${body}`);
    const outer = new Fields(entry as Mapping, section, `${section}[${index}]`);
    const name = outer.string('name') ?? '';
    // client-go refuses a file that defines a name twice, wherever the entries are used.
    if (seen.has(name)) throw new Error(`duplicate name "${name}" in ${section}`);
    seen.add(name);
    const inner = outer.raw(body) ?? {};
    if (typeof inner !== 'object' || Array.isArray(inner))
      throw new Error(`${section}.${body} of "${name}" must be a mapping`);
    return { name, fields: new Fields(inner as Mapping, `${section}.${body}`, name) };
  });
}

/** client-go's ResolvePath: a relative file name is relative to the kubeconfig file naming it. */
function relativeTo(directory: string, file: string | undefined): string | undefined {
  return file && !path.isAbsolute(file) ? path.join(directory, file) : file;
}

function clusterOf(name: string, fields: Fields, directory: string): KubeconfigCluster {
  return {
    name,
    server: (fields.string('server') ?? '').replace(/\/$/, ''),
    caFile: relativeTo(directory, fields.string('certificate-authority')),
    caData: fields.string('certificate-authority-data'),
    skipTLSVerify: fields.bool('insecure-skip-tls-verify') ?? false,
    tlsServerName: fields.string('tls-server-name'),
    proxyUrl: fields.string('proxy-url'),
    disableCompression: fields.bool('disable-compression'),
  };
}

function userOf(name: string, fields: Fields, directory: string): KubeconfigUser {
  const exec = fields.raw('exec') as { command?: unknown } | undefined;
  return {
    name,
    token: fields.string('token'),
    tokenFile: relativeTo(directory, fields.string('tokenFile')),
    certFile: relativeTo(directory, fields.string('client-certificate')),
    certData: fields.string('client-certificate-data'),
    keyFile: relativeTo(directory, fields.string('client-key')),
    keyData: fields.string('client-key-data'),
    username: fields.string('username'),
    password: fields.string('password'),
    impersonateUser: fields.string('as'),
    impersonateUid: fields.string('as-uid'),
    impersonateGroups: fields.strings('as-groups'),
    impersonateUserExtra: fields.stringLists('as-user-extra'),
    authProvider: fields.raw('auth-provider'),
    exec:
      exec && typeof exec.command === 'string'
        ? { ...exec, command: commandRelativeTo(exec.command, directory) }
        : exec,
  };
}

/**
 * The entries of one kubeconfig document, read as client-go reads them: every field with its
 * type, relative paths against `file`'s folder, and no check of entries here: only the context
 * in use is validated (kubectl ignores incomplete entries it does not use).
 */
export function kubeconfigEntries(document: Mapping, file: string): KubeconfigEntries {
  const directory = path.dirname(path.resolve(file));
  const top = new Fields(document, 'config', path.basename(file));
  return {
    clusters: namedEntries(document.clusters, 'clusters', 'cluster').map(({ name, fields }) =>
      clusterOf(name, fields, directory),
    ),
    users: namedEntries(document.users, 'users', 'user').map(({ name, fields }) =>
      userOf(name, fields, directory),
    ),
    contexts: namedEntries(document.contexts, 'contexts', 'context').map(({ name, fields }) => ({
      name,
      cluster: fields.string('cluster') ?? '',
      user: fields.string('user') ?? '',
      namespace: fields.string('namespace'),
    })),
    currentContext: top.string('current-context') || undefined,
  };
}
