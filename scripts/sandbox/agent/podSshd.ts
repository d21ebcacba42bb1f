// sshd in sandbox pods, the way a real dev pod image has it: Attach Workspace starts OpenSSH's sshd
// in the pod over exec (src/attach/model/sshd.ts), and exec in a sandbox pod runs on this machine.
// The agent adds three things a real pod has for free:
// - the pod's own loopback: sshd-bin/sshd (first on the pod's PATH) moves sshd onto the pod IP;
// - the pod's ssh ports in its PortForward object, pointing at that IP;
// - the end of the pod's processes: sshd daemonizes out of kwok's exec, so the agent stops it (and
//   its sessions) when the pod goes away, when the agent stops, and leftovers when it starts.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { POD_SSHD_PORT } from '../../../src/attach/model/sshd';

export const REAL_SSHD = '/usr/sbin/sshd';
/** Holds the `sshd` the pods' PATH finds first. */
export const POD_SSHD_BIN_DIR = path.join(__dirname, 'sshd-bin');
/** The port Attach Workspace's sshd uses, and 22 for images that run their own sshd. */
export const POD_SSH_PORTS = [22, POD_SSHD_PORT];

export function sshdInstalled(): boolean {
  try {
    fs.accessSync(REAL_SSHD, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** PortForward targets of a pod's ssh ports: its own IP, where sshd-bin/sshd makes sshd listen. */
export function sshForwardTargets(
  podIp: string | undefined,
): Map<number, { address: string; port: number }> {
  return new Map(podIp ? POD_SSH_PORTS.map((port) => [port, { address: podIp, port }]) : []);
}

interface ProcessInfo {
  pid: number;
  parent: number;
  executable: string;
  /** argv joined by spaces, or the title the process gave itself ("sshd: ... [listener] ..."). */
  commandLine: string;
}

function processes(): ProcessInfo[] {
  const found: ProcessInfo[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so read after the last ')'.
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const executable = fs.readlinkSync(`/proc/${entry}/exe`);
      const commandLine = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ');
      found.push({ pid: Number(entry), parent, executable, commandLine });
    } catch {
      // exited while we looked, or a kernel thread (no exe)
    }
  }
  return found;
}

/**
 * The pod IP a listening sshd was moved onto by sshd-bin/sshd, if it is one of ours. The listener
 * retitles itself but keeps its arguments in the title; its sessions' titles have no ListenAddress.
 */
function podIpOfSshd(candidate: ProcessInfo): string | undefined {
  if (candidate.executable !== REAL_SSHD) return undefined;
  return /(?:^| )ListenAddress=(127\.64\.\d+\.\d+)(?::\d+)?(?: |$)/.exec(
    candidate.commandLine,
  )?.[1];
}

/**
 * Stops the pod sshds for which `shouldStop(podIp, commandLine)` holds, with every session they started (the
 * session processes are renamed "sshd: root@notty" and detached, so they are found by parentage).
 * Returns the pod IPs whose sshd was stopped.
 */
export function stopPodSshds(
  shouldStop: (podIp: string, commandLine: string) => boolean,
): string[] {
  const all = processes();
  const children = new Map<number, number[]>();
  for (const candidate of all)
    children.set(candidate.parent, [...(children.get(candidate.parent) ?? []), candidate.pid]);
  const stopped: string[] = [];
  const victims: number[] = [];
  for (const candidate of all) {
    const podIp = podIpOfSshd(candidate);
    if (!podIp || !shouldStop(podIp, candidate.commandLine)) continue;
    stopped.push(podIp);
    const pending = [candidate.pid];
    while (pending.length > 0) {
      const pid = pending.pop() as number;
      victims.push(pid);
      pending.push(...(children.get(pid) ?? []));
    }
  }
  for (const pid of victims) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
  return stopped;
}

/**
 * Stops the sshd one pod started: on its IP, with its home in the command line (sshd keeps its
 * host key there). The IP alone is not enough: IPs are reused after a pod goes, and another
 * sandbox on this machine hands out the same 127.64.x.y addresses.
 */
export function stopSshdOfPod(podIp: string, home: string): string[] {
  const folder = `${home.replace(/\/+$/, '')}/`;
  return stopPodSshds(
    (candidate, commandLine) => candidate === podIp && commandLine.includes(folder),
  );
}
