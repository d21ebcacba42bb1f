import { validateDnsLabel } from '../../cluster/names';

/** The part of vscode.Memento the memory needs (the extension's globalState in the product). */
export interface StateStore {
  get(key: string): unknown;
  update(key: string, value: unknown): PromiseLike<void>;
}

/** What the window chose in the Clusters view, kept across reloads and windows. */
export interface RememberedConnection {
  readonly contextName?: string;
  /** The namespace last chosen in each context. */
  readonly namespaceByContext: Readonly<Record<string, string>>;
}

export const CONNECTION_STATE_KEY = 'kubeMl.connection';

/**
 * Reads what an earlier session stored, keeping only well-formed entries: the state outlives
 * versions of the extension, and a bad entry must cost that entry, not the activation.
 */
export function readRemembered(stored: unknown): RememberedConnection {
  const record =
    typeof stored === 'object' && stored !== null ? (stored as Record<string, unknown>) : {};
  const contextName =
    typeof record.contextName === 'string' && record.contextName.length > 0
      ? record.contextName
      : undefined;
  const namespaceByContext: Record<string, string> = {};
  const namespaces = record.namespaceByContext;
  if (typeof namespaces === 'object' && namespaces !== null && !Array.isArray(namespaces)) {
    for (const [context, namespace] of Object.entries(namespaces)) {
      if (
        context.length > 0 &&
        typeof namespace === 'string' &&
        validateDnsLabel(namespace) === undefined
      )
        namespaceByContext[context] = namespace;
    }
  }
  return { ...(contextName !== undefined ? { contextName } : {}), namespaceByContext };
}

/** The typed accessor of the connection's persisted state; every change is written through at once. */
export class ConnectionMemory {
  private state: RememberedConnection;

  constructor(
    private readonly store: StateStore,
    private readonly onSaveError: (error: unknown) => void,
  ) {
    this.state = readRemembered(store.get(CONNECTION_STATE_KEY));
  }

  get contextName(): string | undefined {
    return this.state.contextName;
  }

  namespaceOf(contextName: string): string | undefined {
    return Object.hasOwn(this.state.namespaceByContext, contextName)
      ? this.state.namespaceByContext[contextName]
      : undefined;
  }

  rememberContext(contextName: string): void {
    if (this.state.contextName === contextName) return;
    this.save({ ...this.state, contextName });
  }

  rememberNamespace(contextName: string, namespace: string): void {
    if (this.namespaceOf(contextName) === namespace) return;
    this.save({
      ...this.state,
      namespaceByContext: { ...this.state.namespaceByContext, [contextName]: namespace },
    });
  }

  private save(state: RememberedConnection): void {
    this.state = state;
    this.store.update(CONNECTION_STATE_KEY, state).then(undefined, this.onSaveError);
  }
}

/**
 * The context to connect to: the one chosen (in this session or an earlier one) while the
 * kubeconfig still defines it, else the kubeconfig's current-context. `unavailable` names a
 * chosen context the kubeconfig no longer has, so the caller can say why it fell back.
 */
export function contextToOpen(
  chosen: string | undefined,
  contexts: readonly string[],
  kubeconfigCurrent: string | undefined,
): { contextName: string | undefined; unavailable?: string } {
  if (chosen !== undefined && contexts.includes(chosen)) return { contextName: chosen };
  const fallback = kubeconfigCurrent || undefined;
  return chosen !== undefined
    ? { contextName: fallback, unavailable: chosen }
    : { contextName: fallback };
}
