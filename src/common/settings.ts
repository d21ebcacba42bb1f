import * as vscode from 'vscode';
import type { Settings } from './services';

/** The one typed accessor for kubeMl.* settings; read fresh on every call so changes apply at once. */
export class VscodeSettings implements Settings {
  private get configuration(): vscode.WorkspaceConfiguration {
    return vscode.workspace.getConfiguration('kubeMl');
  }

  private text(key: string): string | undefined {
    const value = this.configuration.get<string>(key, '').trim();
    return value.length > 0 ? value : undefined;
  }

  private number(key: string, fallback: number, minimum: number, maximum = Number.MAX_SAFE_INTEGER): number {
    const value = this.configuration.get<number>(key, fallback);
    return typeof value === 'number' && Number.isFinite(value) ? Math.min(maximum, Math.max(minimum, value)) : fallback;
  }

  kubeconfigPath(): string | undefined {
    return this.text('kubeconfig');
  }

  defaultNamespace(): string | undefined {
    return this.text('defaultNamespace');
  }

  devPodIdleMinutes(): number {
    return this.number('devPods.defaultIdleMinutes', 60, 0);
  }

  restrictedPodSecurity(): boolean {
    return this.configuration.get<boolean>('devPods.restrictedPodSecurity', true);
  }

  defaultStorageClass(): string | undefined {
    return this.text('devPods.defaultStorageClass');
  }

  logMaxLines(): number {
    return this.number('logs.maxLines', 100_000, 1000);
  }

  gpuMetricsRefreshSeconds(): number {
    return this.number('gpuMetrics.refreshSeconds', 2, 1, 10);
  }

  maxPackedFolderMiB(): number {
    return this.number('jobs.maxPackedFolderMiB', 8, 0);
  }
}

/** Fires `listener` when one of `keys` (relative to kubeMl) changes. */
export function onDidChangeSettings(keys: readonly string[], listener: () => void): vscode.Disposable {
  return vscode.workspace.onDidChangeConfiguration((event) => {
    if (keys.some((key) => event.affectsConfiguration(`kubeMl.${key}`))) {
      listener();
    }
  });
}
