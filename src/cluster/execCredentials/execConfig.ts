import * as path from 'node:path';
import { KubeMlError } from '../errors';
import { installHintText } from './pluginExecutable';

/** The ExecCredential versions a plugin may speak (v1alpha1 is gone from client-go too). */
export const EXEC_API_VERSIONS = [
  'client.authentication.k8s.io/v1',
  'client.authentication.k8s.io/v1beta1',
] as const;
export type ExecApiVersion = (typeof EXEC_API_VERSIONS)[number];

export type InteractiveMode = 'Never' | 'IfAvailable' | 'Always';
const INTERACTIVE_MODES: readonly string[] = ['Never', 'IfAvailable', 'Always'];

/** A user's `exec` stanza, validated and defaulted as client-go does. */
export interface ExecPluginConfig {
  /** The kubeconfig user, for messages. */
  readonly userName: string;
  /** As written, except that a path with a separator was made absolute against its kubeconfig file. */
  readonly command: string;
  readonly args: readonly string[];
  readonly env: readonly { readonly name: string; readonly value: string }[];
  readonly apiVersion: ExecApiVersion;
  /** Display-safe (control characters removed). */
  readonly installHint?: string;
  readonly provideClusterInfo: boolean;
  readonly interactiveMode: InteractiveMode;
}

function invalid(userName: string, reason: string): KubeMlError {
  return new KubeMlError(
    'malformedKubeconfig',
    `The exec credential plugin of user "${userName}" is misconfigured: ${reason}.`,
    'Fix the user\'s "exec" section in the kubeconfig (kubectl rejects it too).',
  );
}

function stringList(value: unknown, what: string, userName: string): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string'))
    throw invalid(userName, `${what} must be a list of strings`);
  return value as string[];
}

function envList(value: unknown, userName: string): { name: string; value: string }[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw invalid(userName, 'env must be a list of name/value pairs');
  return value.map((entry: unknown) => {
    const { name, value: entryValue } = (entry ?? {}) as { name?: unknown; value?: unknown };
    if (typeof name !== 'string' || name.length === 0)
      throw invalid(userName, 'env variable name must be specified');
    return { name, value: typeof entryValue === 'string' ? entryValue : String(entryValue ?? '') };
  });
}

/**
 * client-go's validation of an `exec` stanza: command and apiVersion required, a known apiVersion,
 * named env entries, and an interactiveMode (defaulted to IfAvailable only for v1beta1).
 */
export function readExecConfig(userName: string, exec: unknown): ExecPluginConfig {
  if (!exec || typeof exec !== 'object' || Array.isArray(exec))
    throw invalid(userName, 'exec must be a mapping');
  const raw = exec as Record<string, unknown>;
  if (typeof raw.command !== 'string' || raw.command.length === 0)
    throw invalid(userName, 'command must be specified');
  if (typeof raw.apiVersion !== 'string' || raw.apiVersion.length === 0)
    throw invalid(userName, 'apiVersion must be specified');
  if (!(EXEC_API_VERSIONS as readonly string[]).includes(raw.apiVersion))
    throw invalid(
      userName,
      `invalid apiVersion "${raw.apiVersion}" (use ${EXEC_API_VERSIONS.join(' or ')})`,
    );
  const apiVersion = raw.apiVersion as ExecApiVersion;
  const mode =
    raw.interactiveMode ??
    (apiVersion === 'client.authentication.k8s.io/v1beta1' ? 'IfAvailable' : undefined);
  if (mode === undefined || mode === '')
    throw invalid(
      userName,
      `interactiveMode must be specified for ${apiVersion} (Never, IfAvailable or Always)`,
    );
  if (typeof mode !== 'string' || !INTERACTIVE_MODES.includes(mode))
    throw invalid(userName, `invalid interactiveMode "${String(mode)}"`);
  const hint = installHintText(raw.installHint);
  return {
    userName,
    command: raw.command,
    args: stringList(raw.args, 'args', userName),
    env: envList(raw.env, userName),
    apiVersion,
    ...(hint ? { installHint: hint } : {}),
    provideClusterInfo: raw.provideClusterInfo === true,
    interactiveMode: mode as InteractiveMode,
  };
}

/** The plugin as the user knows it ("aws", "kubelogin"), for messages. */
export function pluginName(config: ExecPluginConfig): string {
  return path.basename(config.command);
}
