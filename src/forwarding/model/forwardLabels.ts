import type { PortForwardStats, PortForwardStatus } from '../../cluster/portForward';
import { formatBytes } from './ports';

const STATE_TEXT: Record<PortForwardStatus['state'], string> = {
  starting: 'starting',
  ready: 'active',
  waitingForPod: 'waiting for pod',
  reconnecting: 'reconnecting',
  error: 'error',
  stopped: 'stopped',
};

/** "active · ↓1.2 MiB ↑3.0 KiB · 2 conn · 1 reconnect": state, traffic and reconnect count in one line. */
export function forwardDescription(status: PortForwardStatus, stats: PortForwardStats): string {
  const parts = [
    STATE_TEXT[status.state],
    `↓${formatBytes(stats.bytesIn)} ↑${formatBytes(stats.bytesOut)}`,
  ];
  if (stats.activeConnections > 0) parts.push(`${stats.activeConnections} conn`);
  if (stats.reconnects > 0)
    parts.push(`${stats.reconnects} reconnect${stats.reconnects === 1 ? '' : 's'}`);
  return parts.join(' · ');
}

export function forwardLabel(
  localPort: number,
  workloadName: string,
  remotePort: number,
  label?: string,
): string {
  return `${label ? `${label} ` : ''}localhost:${localPort} → ${workloadName}:${remotePort}`;
}
