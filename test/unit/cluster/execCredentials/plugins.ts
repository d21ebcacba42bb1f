import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  readExecConfig,
  type ExecPluginConfig,
} from '../../../../src/cluster/execCredentials/execConfig';

export const V1 = 'client.authentication.k8s.io/v1';
export const V1BETA1 = 'client.authentication.k8s.io/v1beta1';

/** A temp folder for one test's plugins and the files they leave behind. */
export function pluginDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'kmw-exec-plugin-'));
}

/** Writes an executable sh script; its body sees $DIR (the folder it lives in). */
export function writePlugin(dir: string, name: string, body: string | readonly string[]): string {
  const file = path.join(dir, name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(
    file,
    `#!/bin/sh\nDIR='${dir}'\n${typeof body === 'string' ? body : body.join('\n')}\n`,
    { mode: 0o755 },
  );
  return file;
}

/** Shell that prints an ExecCredential with `token` (shell words allowed) and an optional expiry. */
export function printCredential(token: string, apiVersion = V1, expiration?: string): string {
  const expiry = expiration ? `,"expirationTimestamp":"${expiration}"` : '';
  return `printf '{"kind":"ExecCredential","apiVersion":"${apiVersion}","status":{"token":"%s"${expiry}}}' "${token}"`;
}

/** Shell that appends a line to $DIR/runs and sets RUN to the run's number. */
export const COUNT_RUN = 'echo run >> "$DIR/runs"; RUN=$(wc -l < "$DIR/runs" | tr -d " ")';

export function runsOf(dir: string): number {
  return fs.existsSync(path.join(dir, 'runs'))
    ? fs.readFileSync(path.join(dir, 'runs'), 'utf8').split('\n').filter(Boolean).length
    : 0;
}

export function execConfig(command: string, exec: Record<string, unknown> = {}): ExecPluginConfig {
  return readExecConfig('alice', { apiVersion: V1, interactiveMode: 'Never', command, ...exec });
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function readPid(dir: string, name: string): number | undefined {
  const file = path.join(dir, name);
  const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim() : '';
  return text ? Number(text) : undefined;
}
