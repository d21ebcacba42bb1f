// Small process helpers for the sandbox lifecycle: liveness, process-group kills, port probes,
// log tails and memory readings. Linux only (reads /proc), like the sandbox itself.
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !isZombie(pid);
  } catch {
    return false;
  }
}

function isZombie(pid: number): boolean {
  try {
    return /^State:\s+Z/m.test(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

/** The command line a live process was started with, or undefined when it is gone or not ours to read. */
export function commandLineOf(pid: number): string[] | undefined {
  try {
    const text = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return text.endsWith('\0') ? text.slice(0, -1).split('\0') : text.split('\0');
  } catch {
    return undefined;
  }
}

export function readPid(file: string): number | undefined {
  try {
    const pid = Number(fs.readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Signals the whole process group led by `pid` (every component runs in its own session). */
export function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

/** SIGTERM to each group, then SIGKILL to whatever is still alive after `graceMs`. */
export async function stopGroups(pids: number[], graceMs = 3000): Promise<void> {
  for (const pid of pids) signalGroup(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && pids.some((pid) => groupAlive(pid))) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  for (const pid of pids) if (groupAlive(pid)) signalGroup(pid, 'SIGKILL');
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return processesInGroup(pgid).some((pid) => !isZombie(pid));
  } catch {
    return isAlive(pgid);
  }
}

function processesInGroup(pgid: number): number[] {
  const members: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === pgid) members.push(Number(entry));
    } catch {
      // process ended while reading
    }
  }
  return members;
}

/** Processes whose working folder is inside `dir` (exec shells kwok started for pods). */
export function processesWorkingUnder(dir: string): number[] {
  const found: number[] = [];
  const prefix = path.resolve(dir) + path.sep;
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cwd = fs.readlinkSync(`/proc/${entry}/cwd`);
      if ((cwd + path.sep).startsWith(prefix)) found.push(Number(entry));
    } catch {
      // not ours to read, or gone
    }
  }
  return found;
}

export function rssMiB(pid: number): number | undefined {
  try {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Math.round(Number(match[1]) / 1024) : undefined;
  } catch {
    return undefined;
  }
}

/** Resolves true when nothing accepts connections on host:port. */
export function portIsFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

export function tail(file: string, lines = 25): string {
  try {
    const text = fs.readFileSync(file, 'utf8');
    return text
      .split('\n')
      .slice(-lines - 1)
      .join('\n');
  } catch {
    return `(no log at ${file})`;
  }
}
