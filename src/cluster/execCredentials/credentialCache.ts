import * as crypto from 'node:crypto';
import { KubeMlError } from '../errors';
import type { ExecClusterInfo } from './execClusterInfo';
import { pluginName, type ExecPluginConfig } from './execConfig';
import type { ExecCredential } from './execCredential';
import { runExecPlugin, type PluginRunOptions } from './pluginProcess';
import type { SignIn, SignInSurface } from './signIn';
import { KEPT_LINES } from './stderrLines';

/** One user entry's plugin and the cluster it signs in to. */
export interface CredentialRequest {
  readonly config: ExecPluginConfig;
  readonly cluster?: ExecClusterInfo;
}

/** What one caller brings to a run; several callers may share the run. */
export interface CredentialWait {
  /** Prompt lines of the run, from its first line even when this caller joined late. */
  readonly onStderrLine?: (line: string) => void;
  /** This caller gives up; the plugin is killed when no caller is left waiting. */
  readonly signal?: AbortSignal;
}

export interface CredentialCacheOptions {
  readonly now?: () => number;
  /** A credential is renewed this long before its expirationTimestamp (requests in flight, clock drift). */
  readonly expirySkewMs?: number;
  readonly timeoutMs?: number;
  readonly env?: NodeJS.ProcessEnv;
  /** Shows each run's prompt to the user and lends a terminal to plugins that need one. */
  readonly surface?: SignInSurface;
}

const DEFAULT_EXPIRY_SKEW_MS = 10_000;

interface Run {
  readonly promise: Promise<ExecCredential>;
  readonly controller: AbortController;
  readonly listeners: Set<(line: string) => void>;
  readonly lines: string[];
  waiting: number;
}

interface Entry {
  credential?: ExecCredential;
  run?: Run;
}

/**
 * client-go's key: the exec config (with the cluster's exec extension) and, when the plugin is
 * told about its cluster, that cluster. Hashed so the map never holds env values in clear.
 */
function cacheKey({ config, cluster }: CredentialRequest): string {
  const { command, args, env, apiVersion, interactiveMode, provideClusterInfo, installHint } =
    config;
  const identity = {
    plugin: { command, args, env, apiVersion, interactiveMode, provideClusterInfo, installHint },
    extension: cluster?.config,
    cluster: config.provideClusterInfo ? cluster : undefined,
  };
  return crypto.createHash('sha256').update(JSON.stringify(identity)).digest('hex');
}

/**
 * Exec plugin credentials shared by every session, view and stream of the process: one plugin
 * run at a time per user entry (concurrent callers share it), the result kept until shortly before
 * its expirationTimestamp. A failed run is not kept, so the next call retries.
 */
export class ExecCredentialCache {
  private readonly entries = new Map<string, Entry>();
  private readonly now: () => number;
  private readonly skewMs: number;

  constructor(private readonly options: CredentialCacheOptions = {}) {
    this.now = options.now ?? Date.now;
    this.skewMs = options.expirySkewMs ?? DEFAULT_EXPIRY_SKEW_MS;
  }

  get(request: CredentialRequest, wait: CredentialWait = {}): Promise<ExecCredential> {
    if (wait.signal?.aborted) {
      return Promise.reject(cancelled(request));
    }
    const key = cacheKey(request);
    const entry = this.entries.get(key) ?? {};
    this.entries.set(key, entry);
    if (entry.credential && this.fresh(entry.credential)) {
      return Promise.resolve(entry.credential);
    }
    entry.run ??= this.start(entry, request);
    return this.join(entry.run, request, wait);
  }

  /**
   * The server refused `rejected` (401): forget it so the next get runs the plugin, unless another
   * caller already replaced it (refresh once, like client-go's maybeRefreshCreds).
   */
  invalidate(request: CredentialRequest, rejected: ExecCredential): void {
    const entry = this.entries.get(cacheKey(request));
    if (entry?.credential === rejected) {
      entry.credential = undefined;
    }
  }

  private fresh(credential: ExecCredential): boolean {
    return credential.expiresAt === undefined || this.now() < credential.expiresAt - this.skewMs;
  }

  private start(entry: Entry, request: CredentialRequest): Run {
    const controller = new AbortController();
    const listeners = new Set<(line: string) => void>();
    const lines: string[] = [];
    let ended: () => void = () => undefined;
    const signIn: SignIn = {
      plugin: pluginName(request.config),
      userName: request.config.userName,
      onLine: (listener) => {
        for (const line of lines) listener(line);
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
      cancel: () => controller.abort(),
      ended: new Promise<void>((resolve) => (ended = resolve)),
    };
    this.options.surface?.show(signIn);
    // The surface lends the user's keyboard only to a plugin that must read it.
    const interactiveInput =
      request.config.interactiveMode === 'Always'
        ? this.options.surface?.terminal(signIn)
        : undefined;
    const runOptions: PluginRunOptions = {
      config: request.config,
      cluster: request.cluster,
      interactiveInput,
      signal: controller.signal,
      timeoutMs: this.options.timeoutMs,
      env: this.options.env,
      onStderrLine: (line) => {
        lines.push(line);
        if (lines.length > KEPT_LINES) lines.shift();
        for (const listener of listeners) listener(line);
      },
    };
    const promise = runExecPlugin(runOptions).then(
      (credential) => {
        entry.credential = credential;
        entry.run = undefined;
        return credential;
      },
      (error: unknown) => {
        entry.run = undefined;
        throw error;
      },
    );
    // Every caller observes the outcome through join; this keeps an abandoned run from being unhandled.
    promise.catch(() => undefined).finally(ended);
    return { promise, controller, listeners, lines, waiting: 0 };
  }

  private join(
    run: Run,
    request: CredentialRequest,
    wait: CredentialWait,
  ): Promise<ExecCredential> {
    const { signal, onStderrLine } = wait;
    run.waiting++;
    if (onStderrLine) {
      for (const line of run.lines) onStderrLine(line);
      run.listeners.add(onStderrLine);
    }
    return new Promise<ExecCredential>((resolve, reject) => {
      const done = (): void => {
        signal?.removeEventListener('abort', onAbort);
        if (onStderrLine) run.listeners.delete(onStderrLine);
      };
      const onAbort = (): void => {
        done();
        run.waiting--;
        this.leave(run);
        reject(cancelled(request));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      run.promise.then(
        (credential) => {
          done();
          resolve(credential);
        },
        (error: unknown) => {
          done();
          reject(error);
        },
      );
    });
  }

  /** The last caller gave up: stop the plugin (a login the user dismissed). */
  private leave(run: Run): void {
    if (run.waiting <= 0) run.controller.abort();
  }
}

function cancelled({ config }: CredentialRequest): KubeMlError {
  return new KubeMlError('cancelled', `Sign-in with "${pluginName(config)}" cancelled.`);
}
