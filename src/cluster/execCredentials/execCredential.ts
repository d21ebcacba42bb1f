import * as crypto from 'node:crypto';
import { KubeMlError } from '../errors';
import { pluginName, type ExecPluginConfig } from './execConfig';

/** What a plugin returned. Holds secrets: never log it or put any of it into a message. */
export interface ExecCredential {
  readonly token?: string;
  readonly clientCertificateData?: string;
  readonly clientKeyData?: string;
  /** Milliseconds since the epoch; undefined when the credential does not expire (used until a 401). */
  readonly expiresAt?: number;
}

// RFC 3339 as Go's time.RFC3339 parses it (fractional seconds allowed, upper-case T and Z).
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

function rfc3339(value: string): number | undefined {
  const match = RFC3339.exec(value);
  if (!match) return undefined;
  const [month, day, hour, minute, second] = match.slice(2, 7).map(Number);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59)
    return undefined;
  const time = Date.parse(value);
  return Number.isNaN(time) ? undefined : time;
}

/** A field value for a message: quoted and short (a plugin's output is never echoed at length). */
function shown(value: unknown): string {
  return value === undefined ? 'missing' : JSON.stringify(value).slice(0, 60);
}

function optionalString(
  status: Record<string, unknown>,
  field: string,
  fail: (reason: string) => KubeMlError,
): string | undefined {
  const value = status[field];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw fail(`status.${field} is not a string`);
  return value;
}

/**
 * Reads a plugin's stdout as client-go does: an ExecCredential of the configured apiVersion with a
 * token or a certificate and key pair, and an RFC 3339 expirationTimestamp. Messages describe the
 * shape only: stdout carries the secret.
 */
export function parseExecCredential(stdout: string, config: ExecPluginConfig): ExecCredential {
  const plugin = pluginName(config);
  const fail = (reason: string): KubeMlError =>
    new KubeMlError(
      'authPluginFailed',
      `The credential plugin "${plugin}" of user "${config.userName}" printed an unusable credential: ${reason}.`,
      `Run the plugin in a terminal to see what it prints, or update it; it must print an ExecCredential of ${config.apiVersion}.`,
    );
  let document: unknown;
  try {
    document = JSON.parse(stdout);
  } catch {
    throw fail(
      stdout.trim().length === 0
        ? 'it printed nothing'
        : `its output (${stdout.length} characters) is not JSON`,
    );
  }
  if (!document || typeof document !== 'object' || Array.isArray(document))
    throw fail('its output is not a JSON object');
  const credential = document as Record<string, unknown>;
  if (credential.kind !== 'ExecCredential')
    throw fail(`kind is ${shown(credential.kind)}, not "ExecCredential"`);
  if (credential.apiVersion !== config.apiVersion) {
    throw fail(
      `the kubeconfig asks for ${config.apiVersion} and the plugin returned ${shown(credential.apiVersion)}`,
    );
  }
  const status = credential.status;
  if (!status || typeof status !== 'object' || Array.isArray(status))
    throw fail('it has no status');
  const fields = status as Record<string, unknown>;
  const token = optionalString(fields, 'token', fail);
  const clientCertificateData = optionalString(fields, 'clientCertificateData', fail);
  const clientKeyData = optionalString(fields, 'clientKeyData', fail);
  if (!token && !clientCertificateData && !clientKeyData)
    throw fail('it has neither a token nor a client certificate and key');
  if (Boolean(clientCertificateData) !== Boolean(clientKeyData))
    throw fail('it has a client certificate or key, not both');
  if (clientCertificateData && clientKeyData) {
    try {
      new crypto.X509Certificate(clientCertificateData);
      crypto.createPrivateKey(clientKeyData);
    } catch {
      throw fail('its client certificate or key is not valid PEM');
    }
  }
  const expiration = optionalString(fields, 'expirationTimestamp', fail);
  const expiresAt = expiration === undefined ? undefined : rfc3339(expiration);
  if (expiration !== undefined && expiresAt === undefined)
    throw fail(`status.expirationTimestamp ${shown(expiration)} is not an RFC 3339 time`);
  return { token, clientCertificateData, clientKeyData, expiresAt };
}
