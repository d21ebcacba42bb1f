// The faults the suite injects into the sandbox, kubectl run beside the product's code, and the
// comparison of what a client received with what the cluster holds.
import { spawn, type ChildProcess } from 'node:child_process';
import * as k8s from '@kubernetes/client-node';
import { apiReadyz, kill } from '../../scripts/sandbox/cluster';
import { SANDBOX_KUBECONFIG, sandboxKubeConfig, waitFor } from '../cluster/sandbox';

const KUBECTL = '/usr/bin/kubectl';

export interface Outage {
  readonly killedAt: number;
  /** When the API server was ready again. */
  readonly backAt: number;
}

/**
 * Ready, not only listening: a restarted API server accepts requests before its RBAC caches are
 * filled and answers 403 until then; a load balancer's health check would route none to it yet.
 */
async function apiReady(): Promise<boolean> {
  return (await apiReadyz()) === 200;
}

/**
 * SIGKILLs kube-apiserver; the sandbox supervisor starts it again after `holdSeconds`. `during`
 * runs once the server refuses requests. Resolves when it answers again.
 */
export async function killApiServer(
  holdSeconds: number,
  during?: () => Promise<void>,
): Promise<Outage> {
  const killedAt = Date.now();
  kill('kube-apiserver', holdSeconds);
  await waitFor(async () => !(await apiReady()), 10_000, 'the API server to stop answering');
  await during?.();
  await waitFor(apiReady, 120_000, 'the API server to be ready again', 200);
  return { killedAt, backAt: Date.now() };
}

/** A kubectl process against the sandbox, its stdout split into lines as they come. */
export class Kubectl {
  readonly lines: string[] = [];
  stderr = '';
  exitCode: number | null | undefined;
  private readonly child: ChildProcess;
  private partial = '';

  constructor(args: readonly string[]) {
    this.child = spawn(
      KUBECTL,
      ['--kubeconfig', SANDBOX_KUBECONFIG, '--context', 'kube-ml-sandbox-developer', ...args],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      const parts = (this.partial + chunk).split('\n');
      this.partial = parts.pop() ?? '';
      this.lines.push(...parts);
    });
    this.child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderr = (this.stderr + chunk).slice(-4000);
    });
    this.child.on('exit', (code) => (this.exitCode = code));
  }

  get exited(): boolean {
    return this.exitCode !== undefined;
  }

  /** "exited 1: error: unexpected EOF" or "still running". */
  describeEnd(): string {
    if (!this.exited) return 'still running';
    const lastError = this.stderr.trim().split('\n').filter(Boolean).pop() ?? '';
    return `exited ${this.exitCode}${lastError ? `: ${lastError.slice(0, 120)}` : ''}`;
  }

  stop(): void {
    if (!this.exited) this.child.kill('SIGKILL');
  }
}

/** Runs kubectl to completion; resolves with its exit code and output. */
export function kubectlOnce(
  args: readonly string[],
  stdin?: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      KUBECTL,
      ['--kubeconfig', SANDBOX_KUBECONFIG, '--context', 'kube-ml-sandbox-developer', ...args],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin ?? '');
  });
}

export interface Delivery {
  /** Lines of `truth` that never arrived. */
  readonly lost: number;
  /** Arrivals beyond the first of the same line. */
  readonly duplicated: number;
  /** Arrived lines that are not in `truth` at all. */
  readonly unknown: number;
}

/**
 * Compares what a client received with the cluster's own log. Lines are "<timestamp> <text>"; the
 * sandbox writes at most one line per timestamp and text, so a repeat is a duplicate. `truth` is
 * what must have arrived; `known` (read after `received` was taken, so it also holds lines
 * written meanwhile) is what may have.
 */
export function compareLines(
  received: readonly string[],
  truth: readonly string[],
  known: readonly string[] = truth,
): Delivery {
  const seen = new Map<string, number>();
  for (const line of received) seen.set(line, (seen.get(line) ?? 0) + 1);
  const knownSet = new Set(known);
  return {
    lost: truth.filter((line) => !seen.has(line)).length,
    duplicated: [...seen.values()].reduce((sum, count) => sum + count - 1, 0),
    unknown: [...seen.keys()].filter((line) => !knownSet.has(line)).length,
  };
}

/** The whole current (or previous) log of a container with timestamps, read in one request. */
export async function readLog(
  namespace: string,
  pod: string,
  container: string,
  previous = false,
): Promise<string[]> {
  const core = sandboxKubeConfig('admin').makeApiClient(k8s.CoreV1Api);
  const text = await core.readNamespacedPodLog({
    name: pod,
    namespace,
    container,
    timestamps: true,
    previous,
  });
  return text.split('\n').filter((line) => line.length > 0);
}

/**
 * Waits until `received` holds every line of the log as it is now (the client caught up), or the
 * bound passes; the comparison afterwards says what is missing.
 */
export async function catchUp(
  received: () => readonly string[],
  truth: () => Promise<readonly string[]>,
  timeoutMs = 20_000,
): Promise<readonly string[]> {
  const snapshot = await truth();
  await waitFor(
    () => {
      const have = new Set(received());
      return snapshot.every((line) => have.has(line));
    },
    timeoutMs,
    'the client to deliver every line the log holds',
  ).catch(() => undefined);
  return snapshot;
}
