import { PassThrough, type Readable } from 'node:stream';
import * as vscode from 'vscode';
import { promptLinks } from '../cluster/execCredentials/promptLinks';
import type { SignIn, SignInSurface } from '../cluster/execCredentials/signIn';

const OPEN_PAGE = 'Open Sign-in Page';
const COPY_CODE = 'Copy Code and Open Page';

/**
 * Shows what an exec credential plugin asks of the user while it runs: a cancellable notification
 * with its latest prompt line, and, for a device-code or browser login, buttons that open the page
 * (vscode.env.openExternal, which also works in remote windows) and copy the code. A plugin that
 * prints nothing (a cached or silent token) shows nothing. Prompt lines are display-safe text
 * (stderrLines.ts); they are not written to the output channel.
 */
export class VscodeSignInPrompt implements SignInSurface, vscode.Disposable {
  private readonly started = new vscode.EventEmitter<SignIn>();
  readonly onDidStart = this.started.event;

  constructor(private readonly output: vscode.LogOutputChannel) {}

  dispose(): void {
    this.started.dispose();
  }

  show(signIn: SignIn): void {
    this.started.fire(signIn);
    let report: ((line: string) => void) | undefined;
    const offered = new Set<string>();
    const unsubscribe = signIn.onLine((line) => {
      if (!report) {
        this.output.info(
          `Signing in with "${signIn.plugin}" for user "${signIn.userName}": it asks for your input.`,
        );
        report = this.openNotification(signIn);
      }
      report(line);
      const { urls, userCode } = promptLinks(line);
      const url = urls.find((candidate) => !offered.has(candidate));
      if (url) {
        offered.add(url);
        void this.offerPage(signIn, url, userCode);
      }
    });
    void signIn.ended.then(unsubscribe);
  }

  terminal(signIn: SignIn): Readable {
    const input = new PassThrough();
    const written = new vscode.EventEmitter<string>();
    const closed = new vscode.EventEmitter<number | void>();
    let ended = false;
    const pty: vscode.Pseudoterminal = {
      onDidWrite: written.event,
      onDidClose: closed.event,
      open: () => {
        written.fire(
          `Signing in with ${signIn.plugin} for user ${signIn.userName}. Type your answers here.\r\n`,
        );
        const unsubscribe = signIn.onLine((line) => written.fire(`${line}\r\n`));
        void signIn.ended.then(() => {
          ended = true;
          unsubscribe();
          input.end();
          written.fire('\r\nThe sign-in ended; this terminal can be closed.\r\n');
        });
      },
      close: () => {
        // Closing the terminal before the plugin finished dismisses the login.
        if (!ended) signIn.cancel();
        input.end();
      },
      handleInput: (data) => {
        if (ended) return;
        // A terminal sends Enter as a carriage return; the plugin reads lines.
        const text = data.replace(/\r/g, '\n');
        written.fire(text.replace(/\n/g, '\r\n'));
        input.write(text);
      },
    };
    vscode.window
      .createTerminal({ name: `Sign in: ${signIn.plugin}`, pty, isTransient: true })
      .show();
    return input;
  }

  private openNotification(signIn: SignIn): (line: string) => void {
    let report: (line: string) => void = () => undefined;
    let latest = '';
    void vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: `Signing in with ${signIn.plugin}`,
        cancellable: true,
      },
      (progress, token) => {
        token.onCancellationRequested(() => signIn.cancel());
        report = (line) => progress.report({ message: line });
        if (latest) report(latest);
        return signIn.ended;
      },
    );
    return (line) => {
      latest = line;
      report(line);
    };
  }

  private async offerPage(
    signIn: SignIn,
    url: string,
    userCode: string | undefined,
  ): Promise<void> {
    const choice = await vscode.window.showInformationMessage(
      `${signIn.plugin} asks you to sign in at ${url}${userCode ? ` with the code ${userCode}` : ''}.`,
      OPEN_PAGE,
      ...(userCode ? [COPY_CODE] : []),
    );
    if (choice === COPY_CODE && userCode) {
      await vscode.env.clipboard.writeText(userCode);
      await vscode.env.openExternal(vscode.Uri.parse(url));
    } else if (choice === OPEN_PAGE) {
      await vscode.env.openExternal(vscode.Uri.parse(url));
    }
  }
}
