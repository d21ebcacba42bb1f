import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { KubeMlError, toKubeMlError } from '../cluster/errors';
import type { ExecCredentialCache } from '../cluster/execCredentials/credentialCache';
import {
  describeLocation,
  locateKubeconfig,
  resolveKubeconfig,
  type KubeconfigLocation,
  type ResolvedKubeconfig,
} from '../cluster/kubeconfigResolver';
import { KubeSession } from '../cluster/kubeSession';
import { assertDnsLabel } from '../cluster/names';
import type { ClusterSession } from '../cluster/session';
import { sessionKubeConfig } from '../cluster/sessionKubeConfig';
import type { ShowOptions } from './errorPresenter';
import { ConnectionMemory, contextToOpen, type StateStore } from './model/connectionMemory';
import type { ClusterConnection, ErrorPresenter, Settings } from './services';
import { onDidChangeSettings } from './settings';
import { DisposableStore } from '../cluster/disposableStore';

const RELOAD_DEBOUNCE_MS = 300;
export const CONNECTED_CONTEXT_KEY = 'kubeMl.connected';

export interface ClusterConnectionDeps {
  readonly settings: Settings;
  readonly output: vscode.LogOutputChannel;
  readonly errors: ErrorPresenter & {
    show(error: unknown, operation: string, options?: ShowOptions): void;
  };
  /** Where the chosen context and namespaces persist (the extension's globalState). */
  readonly state: StateStore;
  /** Exec plugin credentials, shared by every session of the window. */
  readonly credentials: ExecCredentialCache;
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * The window's connection: resolves the kubeconfig like kubectl, opens a KubeSession for the
 * chosen context and namespace, and reopens it when the kubeconfig files or our settings change.
 * The context and the namespace per context chosen here are remembered in the extension's global
 * state, so they survive reloads (Attach Workspace reopens the window) and reach new windows; they
 * are never written back to the kubeconfig (kubectl's current-context stays the user's).
 */
export class KubeClusterConnection implements ClusterConnection {
  private current: KubeSession | undefined;
  private resolved: ResolvedKubeconfig | undefined;
  private problem: KubeMlError | undefined;
  private chosenContext: string | undefined;
  private readonly memory: ConnectionMemory;
  /** Chosen contexts already reported as missing from the kubeconfig (said once, not on every reload). */
  private readonly reportedUnavailable = new Set<string>();
  /** Sessions for contexts other than the window's, opened for workspaces and terminals that name them. */
  private readonly otherSessions = new Map<string, KubeSession>();
  private readonly sessionChanges = new vscode.EventEmitter<ClusterSession | undefined>();
  private readonly disposables = new DisposableStore();
  private fileWatchers: fs.FSWatcher[] = [];
  private reloadTimer: ReturnType<typeof setTimeout> | undefined;
  private disposed = false;

  readonly onDidChangeSession = this.sessionChanges.event;

  constructor(private readonly deps: ClusterConnectionDeps) {
    this.memory = new ConnectionMemory(deps.state, (error) =>
      deps.output.warn(
        `Could not remember the chosen context and namespace: ${(error as Error)?.message ?? String(error)}`,
      ),
    );
    this.chosenContext = this.memory.contextName;
    this.disposables.add(this.sessionChanges);
    this.disposables.add(
      onDidChangeSettings(['kubeconfig', 'defaultNamespace'], () =>
        this.scheduleReload('settings changed'),
      ),
    );
    this.load();
  }

  get session(): ClusterSession | undefined {
    return this.current;
  }

  /** Why there is no session (or undefined when connected). */
  get error(): KubeMlError | undefined {
    return this.problem;
  }

  /** The context the session is for, or would be for once its problem is fixed. */
  get activeContextName(): string | undefined {
    return (
      this.current?.contextName ??
      this.chosenContext ??
      this.resolved?.kubeConfig.getCurrentContext() ??
      undefined
    );
  }

  /** Kubeconfig files in use (for the output channel and the file watchers). */
  get kubeconfigFiles(): readonly string[] {
    return this.resolved?.files ?? [];
  }

  requireSession(): ClusterSession {
    if (this.current) {
      return this.current;
    }
    throw (
      this.problem ??
      new KubeMlError(
        'noCluster',
        'No cluster is connected.',
        'Choose a context with "Kube ML: Switch Context".',
      )
    );
  }

  contextNames(): readonly string[] {
    return this.resolved?.kubeConfig.getContexts().map((context) => context.name) ?? [];
  }

  async switchContext(contextName: string): Promise<void> {
    this.readKubeconfig();
    if (!this.resolved) {
      throw this.problem ?? new KubeMlError('noKubeconfig', 'No kubeconfig was found.');
    }
    if (!this.contextNames().includes(contextName)) {
      throw new KubeMlError(
        'noCluster',
        `The kubeconfig has no context named "${contextName}".`,
        `Choose one of: ${this.contextNames().join(', ') || '(none)'}.`,
      );
    }
    this.chosenContext = contextName;
    this.memory.rememberContext(contextName);
    if (this.current?.contextName === contextName) {
      // Already connected there: keep the caches (the file watcher reopens on kubeconfig edits).
      return;
    }
    this.open(contextName);
    if (this.problem) {
      throw this.problem;
    }
  }

  async switchNamespace(namespace: string): Promise<void> {
    assertDnsLabel(namespace, 'namespace');
    const session = this.requireSession();
    this.memory.rememberNamespace(session.contextName, namespace);
    this.open(session.contextName);
    if (this.problem) {
      throw this.problem;
    }
  }

  /**
   * A session for `contextName` whatever the window is connected to: the window's own when it is
   * that context, else one opened for it and kept until the kubeconfig changes. kubeml://
   * workspaces and terminals name the context they were opened from and must keep talking to it.
   */
  sessionForContext(contextName: string): ClusterSession {
    if (this.current?.contextName === contextName) {
      return this.current;
    }
    const existing = this.otherSessions.get(contextName);
    if (existing) {
      return existing;
    }
    if (this.disposed) {
      throw new KubeMlError('cancelled', 'Kube ML is shutting down in this window.');
    }
    if (!this.resolved) {
      throw this.problem ?? new KubeMlError('noKubeconfig', 'No kubeconfig was found.');
    }
    if (!this.contextNames().includes(contextName)) {
      throw new KubeMlError(
        'noCluster',
        `The kubeconfig has no context named "${contextName}" any more.`,
        `Add the context back to the kubeconfig, or reopen from one it defines: ${this.contextNames().join(', ') || '(none)'}.`,
      );
    }
    const session = this.createSession(contextName);
    this.otherSessions.set(contextName, session);
    this.deps.output.info(
      `Opened a session for context "${contextName}" (the window is on "${this.current?.contextName ?? 'no context'}").`,
    );
    return session;
  }

  /** Rereads the kubeconfig and reopens the session (Refresh command, file and setting changes). */
  async reload(): Promise<void> {
    this.load();
    if (this.problem && this.problem.kind !== 'noKubeconfig') {
      throw this.problem;
    }
  }

  dispose(): void {
    this.disposed = true;
    clearTimeout(this.reloadTimer);
    this.closeFileWatchers();
    this.current?.dispose();
    this.current = undefined;
    this.disposeOtherSessions();
    this.disposables.dispose();
  }

  private load(): void {
    this.readKubeconfig();
    // Their credentials may have changed with the kubeconfig; they reopen on next use.
    this.disposeOtherSessions();
    if (!this.resolved) {
      this.setSession(undefined);
      return;
    }
    const contexts = this.contextNames();
    const { contextName: target, unavailable } = contextToOpen(
      this.chosenContext,
      contexts,
      this.resolved.kubeConfig.getCurrentContext(),
    );
    if (unavailable !== undefined && !this.reportedUnavailable.has(unavailable)) {
      this.reportedUnavailable.add(unavailable);
      this.deps.output.warn(
        `The context "${unavailable}" chosen earlier is not in the kubeconfig any more; using ${target ? `its current-context "${target}"` : 'its current-context'} instead.`,
      );
    }
    if (!target || !contexts.includes(target)) {
      this.fail(
        new KubeMlError(
          'noCluster',
          target
            ? `The kubeconfig's current-context "${target}" is not defined in it.`
            : 'The kubeconfig sets no current-context.',
          contexts.length > 0
            ? 'Pick a context in the Clusters view (Kube ML: Switch Context).'
            : 'Add a context to the kubeconfig.',
        ),
        false,
      );
      return;
    }
    this.open(target);
  }

  /** Resolves the kubeconfig files and (re)arms their watchers; records a problem instead of throwing. */
  private readKubeconfig(): void {
    let resolved: ResolvedKubeconfig | undefined;
    try {
      resolved = resolveKubeconfig({
        settingPath: this.deps.settings.kubeconfigPath(),
        env: this.deps.env,
      });
      this.deps.output.info(`Kubeconfig: ${describeLocation(resolved)}`);
    } catch (error) {
      this.resolved = undefined;
      this.watchKubeconfigFiles();
      const translated = toKubeMlError(error, 'read the kubeconfig');
      // Without any kubeconfig the Clusters view's welcome text explains it; other problems need a message.
      this.fail(
        translated,
        !(translated.kind === 'noKubeconfig' && !this.deps.settings.kubeconfigPath()),
      );
      return;
    }
    this.resolved = resolved;
    this.watchKubeconfigFiles();
  }

  private open(contextName: string): void {
    let session: KubeSession;
    try {
      session = this.createSession(contextName);
    } catch (error) {
      this.fail(toKubeMlError(error, `connect to context "${contextName}"`), true);
      return;
    }
    this.otherSessions.get(contextName)?.dispose();
    this.otherSessions.delete(contextName);
    this.problem = undefined;
    this.setSession(session);
    const output = this.deps.output;
    output.info(`Connected to context "${contextName}", namespace "${session.namespace}".`);
    session.nodes.ready.catch((error: unknown) => {
      const translated = toKubeMlError(error, `connect to context "${contextName}"`);
      // A forbidden node list is shown inside the GPU view; connection-level failures deserve a message.
      if (
        this.current === session &&
        translated.kind !== 'forbidden' &&
        translated.kind !== 'cancelled'
      ) {
        this.deps.errors.show(translated, `connect to context "${contextName}"`, {
          retry: () => this.reload(),
        });
      }
    });
  }

  /** A session for a context of the resolved kubeconfig; a KubeMlError when the context cannot work as written. */
  private createSession(contextName: string): KubeSession {
    const sessionConfig = sessionKubeConfig(
      this.resolved!,
      contextName,
      this.deps.credentials,
      this.deps.env ?? process.env,
    );
    const context = sessionConfig.getContextObject(contextName)!;
    const namespace =
      this.memory.namespaceOf(contextName) ??
      context.namespace ??
      this.deps.settings.defaultNamespace() ??
      'default';
    const output = this.deps.output;
    return new KubeSession({ contextName, namespace, kubeConfig: sessionConfig, log: output });
  }

  private disposeOtherSessions(): void {
    for (const session of this.otherSessions.values()) session.dispose();
    this.otherSessions.clear();
  }

  private fail(problem: KubeMlError, notify: boolean): void {
    this.problem = problem;
    this.setSession(undefined);
    if (notify) {
      this.deps.errors.show(problem, 'connect to the cluster', { retry: () => this.reload() });
    } else {
      this.deps.output.warn(`${problem.summary}${problem.hint ? ` ${problem.hint}` : ''}`);
    }
  }

  private setSession(session: KubeSession | undefined): void {
    if (this.disposed) {
      session?.dispose();
      return;
    }
    const previous = this.current;
    this.current = session;
    previous?.dispose();
    void vscode.commands.executeCommand('setContext', CONNECTED_CONTEXT_KEY, session !== undefined);
    if (previous !== session) {
      this.sessionChanges.fire(session);
    }
  }

  private scheduleReload(reason: string): void {
    clearTimeout(this.reloadTimer);
    this.reloadTimer = setTimeout(() => {
      if (this.disposed) return;
      this.deps.output.info(`Reloading the kubeconfig: ${reason}.`);
      this.load();
    }, RELOAD_DEBOUNCE_MS);
  }

  /**
   * Watches every kubeconfig file in use, and the folders of named-but-missing ones so that
   * creating ~/.kube/config connects without a restart. Rearmed on each read because editors
   * replace files (a watcher on the old inode would go quiet).
   */
  private watchKubeconfigFiles(): void {
    this.closeFileWatchers();
    if (this.disposed) return;
    const watch = (target: string, filter?: string): void => {
      try {
        const watcher = fs.watch(target, { persistent: false }, (_event, filename) => {
          if (!filter || !filename || filename.toString() === filter)
            this.scheduleReload(`${filter ? path.join(target, filter) : target} changed`);
        });
        watcher.on('error', (error) =>
          this.deps.output.warn(`Stopped watching ${target}: ${error.message}`),
        );
        this.fileWatchers.push(watcher);
      } catch (error) {
        this.deps.output.warn(`Cannot watch ${target} for changes: ${(error as Error).message}`);
      }
    };
    const location = this.resolved ?? this.locateQuietly();
    for (const file of location.files) watch(file);
    for (const file of location.missing) {
      if (fs.existsSync(path.dirname(file))) watch(path.dirname(file), path.basename(file));
    }
  }

  private locateQuietly(): KubeconfigLocation {
    return locateKubeconfig({
      settingPath: this.deps.settings.kubeconfigPath(),
      env: this.deps.env,
    });
  }

  private closeFileWatchers(): void {
    for (const watcher of this.fileWatchers.splice(0)) watcher.close();
  }
}
