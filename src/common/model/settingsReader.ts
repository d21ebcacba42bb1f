import type { Settings } from '../services';

/** The part of vscode.WorkspaceConfiguration the settings read (so the reading logic runs without VS Code). */
export interface ConfigurationLike {
  get<T>(key: string, defaultValue: T): T;
  inspect<T>(key: string): { defaultValue?: T; globalValue?: T } | undefined;
}

/**
 * Settings a repository must not choose for the user: which kubeconfig (and so which credentials)
 * we use, and whether the pods we create are restricted. package.json makes them machine-scoped,
 * which VS Code enforces when it merges; we also read only the user's own layer, so a workspace's
 * .vscode/settings.json cannot change them even where the merge would let it through.
 */
export const MACHINE_SETTINGS = ['kubeconfig', 'devPods.restrictedPodSecurity'] as const;

/** The typed kubeMl.* settings, read fresh on every call so changes apply at once. */
export class SettingsReader implements Settings {
  constructor(private readonly configuration: () => ConfigurationLike) {}

  /** The user's value or the default, never a workspace's. */
  private machine<T>(key: (typeof MACHINE_SETTINGS)[number], fallback: T): T {
    const layers = this.configuration().inspect<T>(key);
    return layers?.globalValue ?? layers?.defaultValue ?? fallback;
  }

  private text(key: string): string | undefined {
    return nonEmpty(this.configuration().get<string>(key, ''));
  }

  private number(
    key: string,
    fallback: number,
    minimum: number,
    maximum = Number.MAX_SAFE_INTEGER,
  ): number {
    const value = this.configuration().get<number>(key, fallback);
    return typeof value === 'number' && Number.isFinite(value)
      ? Math.min(maximum, Math.max(minimum, value))
      : fallback;
  }

  kubeconfigPath(): string | undefined {
    return nonEmpty(this.machine<unknown>('kubeconfig', ''));
  }

  defaultNamespace(): string | undefined {
    return this.text('defaultNamespace');
  }

  devPodIdleMinutes(): number {
    return this.number('devPods.defaultIdleMinutes', 60, 0);
  }

  restrictedPodSecurity(): boolean {
    // Anything but an explicit false keeps pods restricted.
    return this.machine<unknown>('devPods.restrictedPodSecurity', true) !== false;
  }

  defaultStorageClass(): string | undefined {
    return this.text('devPods.defaultStorageClass');
  }

  gpuProducts(): string[] {
    const value = this.configuration().get<unknown>('devPods.gpuProducts', []);
    return Array.isArray(value)
      ? [...new Set(value.map(nonEmpty).filter((item): item is string => item !== undefined))]
      : [];
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

function nonEmpty(value: unknown): string | undefined {
  const text = typeof value === 'string' ? value.trim() : '';
  return text.length > 0 ? text : undefined;
}
