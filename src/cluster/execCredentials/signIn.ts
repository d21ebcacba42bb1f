import type { Readable } from 'node:stream';

/** One plugin run as the user sees it: the prompt it prints and a way to stop it. */
export interface SignIn {
  readonly plugin: string;
  readonly userName: string;
  /** Calls `listener` with each prompt line so far, then with every new one; returns the unsubscribe. */
  onLine(listener: (line: string) => void): () => void;
  /** Stops the plugin (the user dismissed the login): every request waiting for it fails as cancelled. */
  cancel(): void;
  /** Settles when the run ends, whatever its outcome. */
  readonly ended: Promise<void>;
}

/** Where sign-ins reach the user; the VS Code kit implements it. */
export interface SignInSurface {
  /** Called once per plugin run, before its first line. */
  show(signIn: SignIn): void;
  /**
   * The user's keyboard for a plugin that must read it (interactiveMode Always), or undefined
   * when there is none. IfAvailable plugins run without input, as under kubectl in a pipe.
   */
  terminal(signIn: SignIn): Readable | undefined;
}
