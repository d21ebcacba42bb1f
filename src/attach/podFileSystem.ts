import * as vscode from 'vscode';
import type { KubeConfig } from '@kubernetes/client-node';
import { isKubeMlError } from '../cluster/errors';
import type { ExecTarget } from '../cluster/exec';
import { PodFileError, PodFiles } from '../cluster/podFiles';
import type { Services } from '../common/services';
import { podOfWorkload, reportActivity } from '../common/workloadTarget';
import { parseAuthority, workloadOfAuthority } from './model/kubemlUri';

/** How long a resolved pod is reused before asking which pod runs the workload now. */
const TARGET_REUSE_MS = 10_000;

function toFileSystemError(error: unknown, uri: vscode.Uri): Error {
  if (error instanceof PodFileError) {
    switch (error.code) {
      case 'notFound':
        return vscode.FileSystemError.FileNotFound(uri);
      case 'exists':
        return vscode.FileSystemError.FileExists(uri);
      case 'notADirectory':
        return vscode.FileSystemError.FileNotADirectory(uri);
      case 'isADirectory':
        return vscode.FileSystemError.FileIsADirectory(uri);
      case 'noPermissions':
        return vscode.FileSystemError.NoPermissions(uri);
      case 'conflict':
        return new vscode.FileSystemError(
          `${uri.path} was changed in the pod since you opened it. Your edit was NOT written, so nothing was lost: compare with the pod's version (revert, then re-apply your change) and save again.`,
        );
      default:
        return new vscode.FileSystemError(error.message);
    }
  }
  if (isKubeMlError(error)) {
    return vscode.FileSystemError.Unavailable(
      `${error.summary}${error.hint ? ` ${error.hint}` : ''}`,
    );
  }
  return vscode.FileSystemError.Unavailable((error as Error)?.message ?? String(error));
}

/**
 * kubeml:// files live in a container and are reached over exec (sh and coreutils). Writes are
 * atomic and refuse to overwrite a file that changed since this window read it.
 */
export class PodFileSystemProvider implements vscode.FileSystemProvider, vscode.Disposable {
  private readonly changeEmitter = new vscode.EventEmitter<vscode.FileChangeEvent[]>();
  readonly onDidChangeFile = this.changeEmitter.event;
  private readonly targets = new Map<
    string,
    { files: PodFiles; kubeConfig: KubeConfig; at: number }
  >();
  /** Version (mtime+size) of each file as last read or written by this window. */
  private readonly versions = new Map<string, string>();

  constructor(private readonly services: Services) {}

  private async files(uri: vscode.Uri, fresh = false): Promise<PodFiles> {
    return (await this.resolve(uri, fresh)).files;
  }

  /** The container behind a kubeml:// URI, for commands that exec there directly (search, Go to File). */
  async execTargetOf(uri: vscode.Uri): Promise<{ kubeConfig: KubeConfig; target: ExecTarget }> {
    const { files, kubeConfig } = await this.resolve(uri, false);
    return { kubeConfig, target: files.target };
  }

  private async resolve(
    uri: vscode.Uri,
    fresh: boolean,
  ): Promise<{ files: PodFiles; kubeConfig: KubeConfig }> {
    const cached = this.targets.get(uri.authority);
    if (!fresh && cached && Date.now() - cached.at < TARGET_REUSE_MS) return cached;
    const authority = parseAuthority(uri.authority);
    if (!authority) throw vscode.FileSystemError.FileNotFound(uri);
    const workload = workloadOfAuthority(authority);
    // The URI names the context it was attached from; old URIs without one mean the window's.
    const connection = this.services.connection;
    const session =
      authority.contextName !== undefined
        ? connection.sessionForContext(authority.contextName)
        : connection.requireSession();
    const pod = await podOfWorkload(session, workload);
    const container = authority.container ?? pod.spec?.containers[0]?.name ?? '';
    const files = new PodFiles(session.kubeConfig, {
      namespace: authority.namespace,
      pod: pod.metadata!.name!,
      container,
    });
    this.targets.set(uri.authority, { files, kubeConfig: session.kubeConfig, at: Date.now() });
    reportActivity(this.services, workload, session);
    return { files, kubeConfig: session.kubeConfig };
  }

  /** Runs `operation`; when the pod went away it finds the workload's pod again and retries once. */
  private async run<T>(uri: vscode.Uri, operation: (files: PodFiles) => Promise<T>): Promise<T> {
    try {
      try {
        return await operation(await this.files(uri));
      } catch (error) {
        if (error instanceof PodFileError || error instanceof vscode.FileSystemError) throw error;
        return await operation(await this.files(uri, true));
      }
    } catch (error) {
      if (error instanceof vscode.FileSystemError) throw error;
      throw toFileSystemError(error, uri);
    }
  }

  watch(): vscode.Disposable {
    // Changes made by this window are reported by the operations below; the pod has no inotify bridge.
    return new vscode.Disposable(() => undefined);
  }

  async stat(uri: vscode.Uri): Promise<vscode.FileStat> {
    const stat = await this.run(uri, (files) => files.stat(uri.path));
    return {
      type:
        stat.type === 'directory'
          ? vscode.FileType.Directory
          : stat.type === 'file'
            ? vscode.FileType.File
            : vscode.FileType.Unknown,
      size: stat.size,
      mtime: stat.mtimeMs,
      ctime: stat.ctimeMs,
    };
  }

  async readDirectory(uri: vscode.Uri): Promise<[string, vscode.FileType][]> {
    const entries = await this.run(uri, (files) => files.readDirectory(uri.path));
    return entries.map(([name, type]) => [
      name,
      type === 'directory'
        ? vscode.FileType.Directory
        : type === 'file'
          ? vscode.FileType.File
          : vscode.FileType.Unknown,
    ]);
  }

  async readFile(uri: vscode.Uri): Promise<Uint8Array> {
    const { content, version } = await this.run(uri, (files) => files.readFile(uri.path));
    this.versions.set(uri.toString(), version);
    return content;
  }

  async writeFile(
    uri: vscode.Uri,
    content: Uint8Array,
    options: { readonly create: boolean; readonly overwrite: boolean },
  ): Promise<void> {
    const key = uri.toString();
    const stat = await this.run(uri, (files) =>
      files.writeFile(uri.path, content, { ...options, expectedVersion: this.versions.get(key) }),
    );
    const existed = this.versions.has(key);
    this.versions.set(key, stat.version);
    this.changeEmitter.fire([
      { type: existed ? vscode.FileChangeType.Changed : vscode.FileChangeType.Created, uri },
    ]);
  }

  async createDirectory(uri: vscode.Uri): Promise<void> {
    await this.run(uri, (files) => files.createDirectory(uri.path));
    this.changeEmitter.fire([{ type: vscode.FileChangeType.Created, uri }]);
  }

  async delete(uri: vscode.Uri, options: { readonly recursive: boolean }): Promise<void> {
    await this.run(uri, (files) => files.delete(uri.path, options));
    this.versions.delete(uri.toString());
    this.changeEmitter.fire([{ type: vscode.FileChangeType.Deleted, uri }]);
  }

  async rename(
    oldUri: vscode.Uri,
    newUri: vscode.Uri,
    options: { readonly overwrite: boolean },
  ): Promise<void> {
    if (oldUri.authority !== newUri.authority)
      throw vscode.FileSystemError.NoPermissions('Moving files between pods is not supported.');
    await this.run(oldUri, (files) => files.rename(oldUri.path, newUri.path, options));
    const version = this.versions.get(oldUri.toString());
    this.versions.delete(oldUri.toString());
    if (version) this.versions.set(newUri.toString(), version);
    this.changeEmitter.fire([
      { type: vscode.FileChangeType.Deleted, uri: oldUri },
      { type: vscode.FileChangeType.Created, uri: newUri },
    ]);
  }

  dispose(): void {
    this.changeEmitter.dispose();
  }
}
