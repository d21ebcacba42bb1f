import type { V1Pod } from '@kubernetes/client-node';
import { IDLE_MINUTES_ANNOTATION, LAST_ACTIVITY_ANNOTATION } from '../../cluster/devPodContract';

/**
 * The idle-shutdown decision, shared by the in-extension checker and (as the same rules in shell)
 * the in-cluster reaper. A dev pod is idle when nothing reported activity for `idleMinutes`; the
 * clock starts at the later of the last activity and the pod's start. Bad or missing data never
 * stops a pod earlier than the rules say: an unparseable idle-minutes turns shutdown off.
 */
export interface IdleInput {
  readonly now: number;
  /** Raw annotation values, as read from the pod. */
  readonly idleMinutes: string | undefined;
  readonly lastActivity: string | undefined;
  /** Epoch ms the pod started (or was created). */
  readonly startedAt: number | undefined;
  /** Latest GPU utilisation (0-100) where metrics exist; busy GPUs count as activity. */
  readonly gpuUtilisationPercent?: number;
  /** Epoch ms until which the user chose "Keep it running" in this window. */
  readonly keptUntil?: number;
}

export type IdleDecision =
  | { readonly action: 'off'; readonly reason: string }
  | { readonly action: 'active'; readonly idleMs: number; readonly stopAt: number }
  | { readonly action: 'warn'; readonly idleMs: number; readonly stopAt: number }
  | { readonly action: 'stop'; readonly idleMs: number };

/** GPU utilisation at or above this counts as work even without a terminal (a training loop in tmux). */
export const BUSY_GPU_PERCENT = 5;

/** How long before the stop the warning comes: 5 minutes, or a fifth of short timeouts. */
export function warningLeadMs(idleMinutes: number): number {
  return Math.min(5, idleMinutes / 5) * 60_000;
}

export function parseIdleMinutes(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d+$/.test(value.trim())) {
    return undefined;
  }
  return Number(value.trim());
}

export function parseTimestamp(value: string | undefined): number | undefined {
  if (!value) {
    return undefined;
  }
  const parsed = Date.parse(value);
  return Number.isNaN(parsed) ? undefined : parsed;
}

export function decideIdle(input: IdleInput): IdleDecision {
  const idleMinutes = parseIdleMinutes(input.idleMinutes);
  if (idleMinutes === undefined) {
    return {
      action: 'off',
      reason:
        input.idleMinutes === undefined
          ? 'no idle-minutes annotation'
          : `idle-minutes "${input.idleMinutes}" is not a whole number`,
    };
  }
  if (idleMinutes === 0) {
    return { action: 'off', reason: 'idle shutdown is turned off (0 minutes)' };
  }
  const candidates = [parseTimestamp(input.lastActivity), input.startedAt, input.keptUntil].filter(
    (time): time is number => time !== undefined,
  );
  if (
    input.gpuUtilisationPercent !== undefined &&
    input.gpuUtilisationPercent >= BUSY_GPU_PERCENT
  ) {
    candidates.push(input.now);
  }
  if (candidates.length === 0) {
    return { action: 'off', reason: 'no activity or start time to measure idleness from' };
  }
  const lastActive = Math.max(...candidates);
  // A clock ahead of ours (skew) counts as "active now", never as negative idleness.
  const idleMs = Math.max(0, input.now - lastActive);
  const limitMs = idleMinutes * 60_000;
  const stopAt = lastActive + limitMs;
  if (idleMs >= limitMs) {
    return { action: 'stop', idleMs };
  }
  if (idleMs >= limitMs - warningLeadMs(idleMinutes)) {
    return { action: 'warn', idleMs, stopAt };
  }
  return { action: 'active', idleMs, stopAt };
}

/** The decision for a pod as the watch cache holds it. */
export function decideIdleForPod(
  pod: V1Pod,
  now: number,
  extra: Pick<IdleInput, 'gpuUtilisationPercent' | 'keptUntil'> = {},
): IdleDecision {
  const started = pod.status?.startTime ?? pod.metadata?.creationTimestamp;
  return decideIdle({
    now,
    idleMinutes: pod.metadata?.annotations?.[IDLE_MINUTES_ANNOTATION],
    lastActivity: pod.metadata?.annotations?.[LAST_ACTIVITY_ANNOTATION],
    startedAt: started ? new Date(started).getTime() : undefined,
    ...extra,
  });
}

/** "3 h 05 min", "12 min", "< 1 min": idle time and age in the view. */
export function formatDuration(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 1) {
    return '< 1 min';
  }
  if (minutes < 60) {
    return `${minutes} min`;
  }
  const hours = Math.floor(minutes / 60);
  if (hours < 48) {
    return `${hours} h ${String(minutes % 60).padStart(2, '0')} min`;
  }
  return `${Math.floor(hours / 24)} d`;
}
