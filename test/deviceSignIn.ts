// The user's side of the sandbox's device-code sign-in, for any suite: read the prompt the exec
// plugin (scripts/sandbox/login/kmw-sandbox-login) prints, and confirm its code as a browser would.
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import { LOGIN_PLUGIN, LOGIN_URL_ENV, TOKEN_TTL_ENV, signInUrl } from '../scripts/sandbox/signIn';

/** "To sign in, open http://127.0.0.1:<port>/device and enter the code ABCD-EFGH" */
const DEVICE_PROMPT = /To sign in, open (http:\/\/\S+) and enter the code ([A-Z]{4}-[A-Z]{4})/;
/** A plugin's stderr is read up to this much: more than any prompt, less than an unbounded buffer. */
const MAX_STDERR_CHARS = 64 * 1024;

export interface DevicePrompt {
  url: string;
  userCode: string;
}

export interface ExecCredential {
  apiVersion: string;
  kind: string;
  status: { token: string; expirationTimestamp: string };
}

export function devicePrompt(text: string): DevicePrompt | undefined {
  const match = DEVICE_PROMPT.exec(text);
  return match ? { url: match[1], userCode: match[2] } : undefined;
}

/** Submits the sign-in page's form with the code, as the user's browser does. */
export async function confirmDeviceCode(prompt: DevicePrompt): Promise<void> {
  const response = await fetch(prompt.url, {
    method: 'POST',
    body: new URLSearchParams({ user_code: prompt.userCode }),
  });
  if (response.status !== 200)
    throw new Error(
      `the sign-in page refused code ${prompt.userCode}: ${response.status} ${await response.text()}`,
    );
}

export interface SignInRun {
  /** Resolves once the process has printed the prompt; rejects if it exits first. */
  prompt: Promise<DevicePrompt>;
  /** Resolves with the process's exit code, stdout and stderr. */
  exit: Promise<{ code: number | null; stdout: string; stderr: string }>;
  /** Ends the process if it still runs (a failed test leaves no sign-in waiting for a code). */
  stop(): void;
}

/** Follows a process that signs in (the plugin, or kubectl running it): its prompt and its end. */
export function followSignIn(child: ChildProcessByStdio<null, Readable, Readable>): SignInRun {
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
  });
  const exit = new Promise<{ code: number | null; stdout: string; stderr: string }>(
    (resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    },
  );
  const prompt = new Promise<DevicePrompt>((resolve, reject) => {
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < MAX_STDERR_CHARS) stderr += chunk.toString('utf8');
      const found = devicePrompt(stderr);
      if (found) resolve(found);
    });
    void exit.then(
      ({ code }) => reject(new Error(`the sign-in exited (${code}) without a prompt: ${stderr}`)),
      reject,
    );
  });
  return {
    prompt,
    exit,
    stop: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill();
    },
  };
}

/** Starts the plugin as a client would (its environment plus `env`), without confirming anything. */
export function runLoginPlugin(env: NodeJS.ProcessEnv = {}): SignInRun {
  return followSignIn(
    spawn(LOGIN_PLUGIN, [], {
      env: { ...process.env, [LOGIN_URL_ENV]: signInUrl(), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
}

/** Signs in through the plugin end to end and returns its credential; `ttlSeconds` asks for a short token. */
export async function signInWithPlugin(ttlSeconds?: number): Promise<ExecCredential> {
  const run = runLoginPlugin(
    ttlSeconds === undefined ? {} : { [TOKEN_TTL_ENV]: String(ttlSeconds) },
  );
  try {
    await confirmDeviceCode(await run.prompt);
    const { code, stdout, stderr } = await run.exit;
    if (code !== 0) throw new Error(`the login plugin exited ${code}: ${stderr}`);
    return JSON.parse(stdout) as ExecCredential;
  } finally {
    run.stop();
  }
}
