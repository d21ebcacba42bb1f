import type * as vscode from 'vscode';
import type { SignIn } from '../cluster/execCredentials/signIn';
import type { ClusterSession } from '../cluster/session';
import type { DevPodGpuUtilisation } from './devPodGpuUtilisation';

/** Typed access to the kubeMl.* settings (src/common/settings.ts implements it). */
export interface Settings {
  kubeconfigPath(): string | undefined;
  defaultNamespace(): string | undefined;
  devPodIdleMinutes(): number;
  restrictedPodSecurity(): boolean;
  defaultStorageClass(): string | undefined;
  /** GPU products to offer when the user may not read nodes (nvidia.com/gpu.product values). */
  gpuProducts(): string[];
  logMaxLines(): number;
  gpuMetricsRefreshSeconds(): number;
  maxPackedFolderMiB(): number;
}

/** The active context/namespace and the session behind it; one per window. */
export interface ClusterConnection extends vscode.Disposable {
  /** undefined while no kubeconfig/context is usable. */
  readonly session: ClusterSession | undefined;
  /** Fires after the session was replaced (context, namespace or kubeconfig changed). */
  readonly onDidChangeSession: vscode.Event<ClusterSession | undefined>;
  /** The session, or a KubeMlError ('noKubeconfig' / 'noCluster') explaining why there is none. */
  requireSession(): ClusterSession;
  /**
   * A session for a named context even when the window is connected to another one (kubeml://
   * workspaces and terminals keep the context they were opened from); a KubeMlError when the
   * kubeconfig no longer defines it.
   */
  sessionForContext(contextName: string): ClusterSession;
  contextNames(): readonly string[];
  switchContext(contextName: string): Promise<void>;
  switchNamespace(namespace: string): Promise<void>;
  /** Rereads the kubeconfig and reopens the session. */
  reload(): Promise<void>;
}

/** Shows a KubeMlError (or anything thrown) to the user once, with its hint and actions; logs detail. */
export interface ErrorPresenter {
  show(error: unknown, operation: string): void;
  /** Runs `task`, showing any failure; never rejects. */
  guard<T>(operation: string, task: () => Promise<T>): Promise<T | undefined>;
}

/** Lets a view publish its rows as plain data for extension-host tests (src/common/viewRows.ts). */
export interface ViewRowsRegistry {
  register(viewId: string, rows: () => readonly unknown[]): vscode.Disposable;
}

/** The shared services every feature's register() receives. */
export interface Services {
  readonly extensionContext: vscode.ExtensionContext;
  readonly output: vscode.LogOutputChannel;
  readonly settings: Settings;
  readonly connection: ClusterConnection;
  readonly errors: ErrorPresenter;
  /** Dev pods' GPU utilisation: the GPU idle watcher writes it, idle shutdown reads it. */
  readonly devPodGpuUtilisation: DevPodGpuUtilisation;
  readonly viewRows: ViewRowsRegistry;
  /** Fires when an exec credential plugin starts a sign-in (its prompt lines follow on the SignIn). */
  readonly onDidStartSignIn: vscode.Event<SignIn>;
}
