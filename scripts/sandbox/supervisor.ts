// The sandbox supervisor: a long-running process (started by `sandbox up`, in its own process
// group, stopped first by `sandbox down`) that restarts any control-plane component or real-node
// process that exits, exactly as it was launched, with a line in supervisor.log and in its own log.
// kube-controller-manager and kube-scheduler exit on their own ~10 s into an API-server outage
// ("leaderelection lost"); without this they would stay dead.
import * as fs from 'node:fs';
import {
  activeComponents,
  componentLog,
  componentPidFile,
  componentRunning,
  heldUntil,
  launchComponent,
  type Component,
} from './components';
import { readPid } from './processes';
import { SUPERVISOR_PID_FILE } from './paths';

const CHECK_MS = 250;
/** Delay before restarting a component that crashed again soon after its last start. */
const FIRST_RETRY_MS = 1000;
const MAX_RETRY_MS = 8000;
/** A component that ran this long was healthy: its next restart is immediate again. */
const HEALTHY_AFTER_MS = 60_000;

interface Restarts {
  startedAt?: number;
  delayMs: number;
  /** Set once the component was seen dead: when to start it. */
  restartAt?: number;
}

function log(component: Component | undefined, message: string): void {
  const line = `${new Date().toISOString()} ${message}\n`;
  process.stdout.write(line);
  if (component) fs.appendFileSync(componentLog(component), `sandbox supervisor: ${line}`);
}

const restarts = new Map<Component, Restarts>();
let stopping = false;

function check(now: number, ignoreBackoff: boolean): void {
  for (const component of activeComponents()) {
    if (stopping || componentRunning(component)) continue;
    // `sandbox kill --hold` keeps a component down on purpose (a longer outage for a test).
    if (heldUntil(component) > now) continue;
    const entry = restarts.get(component) ?? { delayMs: 0 };
    restarts.set(component, entry);
    if (entry.restartAt === undefined) {
      const quickCrash = entry.startedAt !== undefined && now - entry.startedAt < HEALTHY_AFTER_MS;
      entry.delayMs = quickCrash
        ? Math.min(MAX_RETRY_MS, Math.max(FIRST_RETRY_MS, entry.delayMs * 2))
        : 0;
      entry.restartAt = now + entry.delayMs;
    }
    if (!ignoreBackoff && now < entry.restartAt) continue;
    // The pid file's number, for the log: componentPid() no longer vouches for a dead process.
    const lastPid = readPid(componentPidFile(component));
    entry.startedAt = now;
    entry.restartAt = undefined;
    try {
      const child = launchComponent(component);
      child.on('exit', (code, signal) => {
        if (!stopping)
          log(component, `${component} (pid ${child.pid}) exited (${signal ?? `code ${code}`})`);
      });
      log(
        component,
        `${component}${lastPid ? ` (pid ${lastPid})` : ''} was not running; restarted as pid ${child.pid}`,
      );
    } catch (error) {
      log(component, `${component} could not be restarted: ${(error as Error).message}`);
    }
  }
}

function main(): void {
  fs.writeFileSync(SUPERVISOR_PID_FILE, String(process.pid));
  log(undefined, `supervising ${activeComponents().join(', ')}`);
  check(Date.now(), true);
  const timer = setInterval(() => check(Date.now(), false), CHECK_MS);
  // `sandbox up` asks for an immediate pass, whatever the backoff says.
  process.on('SIGUSR1', () => check(Date.now(), true));
  const stop = (signal: string): void => {
    stopping = true;
    clearInterval(timer);
    log(undefined, `stopping on ${signal}`);
    process.exit(0);
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main();
