import type { WorkloadRef } from '../../cluster/workloadRef';
import { devPodSelector } from '../../cluster/devPodContract';

/**
 * URI scheme of the built-in workspace:
 *   kubeml://ctx.<context>~<kind>~<namespace>~<name>[~<container>]/path
 * The context segment makes a workspace URI self-sufficient (the window that reopens on it may be
 * connected elsewhere). URIs written before it existed have no context segment and mean "the
 * window's current context".
 */
export const KUBEML_SCHEME = 'kubeml';

export interface KubemlAuthority {
  /** The kubeconfig context the pod was attached from; undefined: the window's current context. */
  readonly contextName?: string;
  readonly kind: 'devpod' | 'pod';
  readonly namespace: string;
  readonly name: string;
  readonly container?: string;
}

const NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
const CONTEXT_PREFIX = 'ctx.';
/** Bytes of a context name kept as they are; everything else becomes `_` and two lowercase hex digits. */
const PLAIN_BYTE = /^[a-z0-9.-]$/;

/**
 * Encodes a kubeconfig context name (any text: "arn:aws:eks:...:cluster/x", "Admin@Prod") for the
 * URI authority. VS Code lowercases authorities when it serialises a URI (window reloads, recent
 * folders), so the encoding uses only lowercase-safe characters; it never produces "~", the
 * segment separator, and every name has exactly one encoding.
 */
export function encodeContextName(contextName: string): string {
  let encoded = '';
  for (const byte of new TextEncoder().encode(contextName)) {
    const character = String.fromCharCode(byte);
    encoded += PLAIN_BYTE.test(character) ? character : `_${byte.toString(16).padStart(2, '0')}`;
  }
  return encoded;
}

/** Reverses encodeContextName; undefined for text it cannot have produced. */
export function decodeContextName(encoded: string): string | undefined {
  const bytes: number[] = [];
  for (let index = 0; index < encoded.length;) {
    const character = encoded[index];
    if (character === '_') {
      const hex = encoded.slice(index + 1, index + 3);
      if (!/^[0-9a-f]{2}$/.test(hex)) return undefined;
      bytes.push(parseInt(hex, 16));
      index += 3;
    } else if (PLAIN_BYTE.test(character)) {
      bytes.push(character.charCodeAt(0));
      index += 1;
    } else {
      return undefined;
    }
  }
  let contextName: string;
  try {
    contextName = new TextDecoder('utf-8', { fatal: true }).decode(new Uint8Array(bytes));
  } catch {
    return undefined;
  }
  // Only canonical encodings ("_61" for "a" is not one): one pod of one context, one URI.
  return contextName.length > 0 && encodeContextName(contextName) === encoded
    ? contextName
    : undefined;
}

export function formatAuthority(authority: KubemlAuthority): string {
  return [
    ...(authority.contextName !== undefined
      ? [`${CONTEXT_PREFIX}${encodeContextName(authority.contextName)}`]
      : []),
    authority.kind,
    authority.namespace,
    authority.name,
    ...(authority.container ? [authority.container] : []),
  ].join('~');
}

/**
 * Parses an authority; undefined when it is not one of ours. Names are DNS-1123, so "~" never
 * occurs in them, and a first segment starting with "ctx." can only be a context (kinds are fixed words).
 */
export function parseAuthority(text: string): KubemlAuthority | undefined {
  const segments = text.split('~');
  let contextName: string | undefined;
  if (segments[0]?.startsWith(CONTEXT_PREFIX)) {
    contextName = decodeContextName(segments.shift()!.slice(CONTEXT_PREFIX.length));
    if (contextName === undefined) return undefined;
  }
  const [kind, namespace, name, container, ...rest] = segments;
  if ((kind !== 'devpod' && kind !== 'pod') || rest.length > 0) return undefined;
  if (![namespace, name].every((part) => part !== undefined && NAME.test(part))) return undefined;
  if (container !== undefined && !NAME.test(container)) return undefined;
  return {
    ...(contextName !== undefined ? { contextName } : {}),
    kind,
    namespace,
    name,
    container,
  };
}

export function authorityOfWorkload(
  workload: WorkloadRef,
  container: string | undefined,
  contextName: string,
): KubemlAuthority {
  return {
    contextName,
    kind: workload.kind === 'DevPod' ? 'devpod' : 'pod',
    namespace: workload.namespace,
    name: workload.name,
    container,
  };
}

export function workloadOfAuthority(authority: KubemlAuthority): WorkloadRef {
  return authority.kind === 'devpod'
    ? {
        kind: 'DevPod',
        namespace: authority.namespace,
        name: authority.name,
        podSelector: devPodSelector(authority.name),
        container: authority.container,
      }
    : {
        kind: 'Pod',
        namespace: authority.namespace,
        name: authority.name,
        container: authority.container,
      };
}

/** The workspace folder's name in the explorer. */
export function workspaceFolderName(workloadName: string): string {
  return `${workloadName} (Kube ML)`;
}
