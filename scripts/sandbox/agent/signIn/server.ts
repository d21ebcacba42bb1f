// The sandbox's identity provider, in the agent: a device-code sign-in on plain HTTP (what the
// exec plugin and a user's browser talk to) and the token authentication webhook on HTTPS (what
// kube-apiserver asks, with its client certificate, about each bearer token it does not know).
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as path from 'node:path';
import { LOOPBACK, PKI_DIR, PORTS } from '../../paths';
import {
  DEFAULT_TOKEN_TTL_SECONDS,
  SIGNING_KEY_FILE,
  SSO_GROUP,
  SSO_USER,
  signInUrl,
} from '../../signIn';
import { DEVICE_CODE_TTL_MS, DeviceCodes, normalizeUserCode } from './deviceCodes';
import { issueToken, verifyToken } from './tokens';

const MAX_BODY_BYTES = 64 * 1024;
const POLL_INTERVAL_SECONDS = 1;
const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

class BodyTooLarge extends Error {}

function readBody(request: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new BodyTooLarge(`request body over ${MAX_BODY_BYTES} bytes`));
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function send(response: http.ServerResponse, status: number, type: string, body: string): void {
  response.writeHead(status, {
    'Content-Type': type,
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
  });
  response.end(body);
}

const json = (response: http.ServerResponse, status: number, body: unknown): void =>
  send(response, status, 'application/json', JSON.stringify(body));

function page(response: http.ServerResponse, status: number, body: string): void {
  send(
    response,
    status,
    'text/html; charset=utf-8',
    `<!doctype html><html><head><meta charset="utf-8"><title>Kube ML sandbox sign-in</title></head><body>${body}</body></html>`,
  );
}

/** The sign-in key, made once per sandbox; the sandbox folder is removed by `down`. */
function signingKey(): Buffer {
  fs.mkdirSync(path.dirname(SIGNING_KEY_FILE), { recursive: true });
  try {
    fs.writeFileSync(SIGNING_KEY_FILE, crypto.randomBytes(32), { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return fs.readFileSync(SIGNING_KEY_FILE);
}

/** 1..DEFAULT_TOKEN_TTL_SECONDS whole seconds, the default when absent; undefined when invalid. */
function tokenTtl(requested: string | null): number | undefined {
  if (requested === null) return DEFAULT_TOKEN_TTL_SECONDS;
  const seconds = Number(requested);
  return Number.isInteger(seconds) && seconds >= 1 && seconds <= DEFAULT_TOKEN_TTL_SECONDS
    ? seconds
    : undefined;
}

function confirmationForm(userCode: string, message = ''): string {
  return (
    `<h1>Sign in to the Kube ML sandbox</h1>${message}<form method="post" action="/device">` +
    `<label>Code <input name="user_code" value="${userCode}" autocomplete="off" autofocus></label> <button type="submit">Continue</button></form>`
  );
}

function signInHandler(
  codes: DeviceCodes,
  key: Buffer,
  log: (message: string) => void,
): (request: http.IncomingMessage, response: http.ServerResponse) => Promise<void> {
  return async (request, response) => {
    const url = new URL(request.url ?? '/', signInUrl());
    if (request.method === 'GET' && url.pathname === '/device') {
      return page(
        response,
        200,
        confirmationForm(normalizeUserCode(url.searchParams.get('user_code') ?? '')),
      );
    }
    if (request.method !== 'POST') return json(response, 404, { error: 'not_found' });
    const form = new URLSearchParams(await readBody(request));
    const now = Date.now();
    switch (url.pathname) {
      case '/device/authorize': {
        const ttl = tokenTtl(form.get('token_ttl_seconds'));
        if (ttl === undefined) {
          return json(response, 400, {
            error: 'invalid_request',
            error_description: `token_ttl_seconds must be a whole number from 1 to ${DEFAULT_TOKEN_TTL_SECONDS}`,
          });
        }
        const { deviceCode, userCode } = codes.start(ttl, now);
        return json(response, 200, {
          device_code: deviceCode,
          user_code: userCode,
          verification_uri: `${signInUrl()}/device`,
          verification_uri_complete: `${signInUrl()}/device?user_code=${userCode}`,
          expires_in: DEVICE_CODE_TTL_MS / 1000,
          interval: POLL_INTERVAL_SECONDS,
        });
      }
      case '/device':
        if (!codes.confirm(form.get('user_code') ?? '', now)) {
          return page(
            response,
            400,
            confirmationForm(
              '',
              '<p>That code is unknown or has expired. Check it, or start the sign-in again.</p>',
            ),
          );
        }
        log(`sign-in: a device code was confirmed for ${SSO_USER}`);
        return page(
          response,
          200,
          '<h1>Signed in</h1><p>You may close this window and return to your application.</p>',
        );
      case '/token': {
        if (form.get('grant_type') !== DEVICE_CODE_GRANT)
          return json(response, 400, { error: 'unsupported_grant_type' });
        const result = codes.poll(form.get('device_code') ?? '', now);
        if (result.state === 'pending')
          return json(response, 400, { error: 'authorization_pending' });
        if (result.state === 'unknown') return json(response, 400, { error: 'expired_token' });
        const expiresAt = now + result.tokenTtlSeconds * 1000;
        log(
          `sign-in: issued a token for ${SSO_USER}, valid until ${new Date(expiresAt).toISOString()}`,
        );
        return json(response, 200, {
          access_token: issueToken(key, { user: SSO_USER, groups: [SSO_GROUP], expiresAt }),
          token_type: 'Bearer',
          expires_in: result.tokenTtlSeconds,
        });
      }
      default:
        return json(response, 404, { error: 'not_found' });
    }
  };
}

interface TokenReview {
  apiVersion?: string;
  spec?: { token?: string };
}

function webhookHandler(
  key: Buffer,
): (request: http.IncomingMessage, response: http.ServerResponse) => Promise<void> {
  return async (request, response) => {
    // The API server's client adds `?timeout=...` to the configured path.
    if (
      request.method !== 'POST' ||
      new URL(request.url ?? '/', 'https://webhook').pathname !== '/authenticate'
    )
      return json(response, 404, { error: 'not_found' });
    const review = JSON.parse(await readBody(request)) as TokenReview;
    const claims = verifyToken(key, review.spec?.token ?? '', Date.now());
    json(response, 200, {
      apiVersion: review.apiVersion ?? 'authentication.k8s.io/v1',
      kind: 'TokenReview',
      status: claims
        ? {
            authenticated: true,
            user: { username: claims.user, uid: claims.user, groups: claims.groups },
          }
        : { authenticated: false, error: 'the token is unknown or has expired' },
    });
  };
}

/** Runs a handler; a body too large or a failure answers with an error, never leaves the request open. */
function serve(
  handler: (request: http.IncomingMessage, response: http.ServerResponse) => Promise<void>,
  log: (message: string) => void,
): http.RequestListener {
  return (request, response) => {
    handler(request, response).catch((error: unknown) => {
      if (!(error instanceof BodyTooLarge))
        log(
          `sign-in: ${request.method} ${request.url?.split('?')[0]} failed: ${(error as Error).message}`,
        );
      if (!response.headersSent)
        json(response, error instanceof BodyTooLarge ? 413 : 400, { error: 'invalid_request' });
    });
  };
}

function listen(server: http.Server, port: number, what: string): Promise<http.Server> {
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        new Error(
          `${what} could not listen on ${LOOPBACK}:${port}: ${error.code ?? error.message}`,
        ),
      );
    });
    server.listen(port, LOOPBACK, () => resolve(server));
  });
}

export async function startSignIn(log: (message: string) => void): Promise<http.Server[]> {
  const key = signingKey();
  const read = (file: string): Buffer => fs.readFileSync(path.join(PKI_DIR, file));
  const signIn = http.createServer(serve(signInHandler(new DeviceCodes(), key, log), log));
  const webhook = https.createServer(
    // Only a client with a certificate of the cluster's CA (the API server) may ask about tokens.
    {
      cert: read('admin.crt'),
      key: read('admin.key'),
      ca: read('ca.crt'),
      requestCert: true,
      rejectUnauthorized: true,
    },
    serve(webhookHandler(key), log),
  );
  return Promise.all([
    listen(signIn, PORTS.signIn, 'the sign-in server'),
    listen(webhook, PORTS.tokenWebhook, 'the token webhook'),
  ]);
}
