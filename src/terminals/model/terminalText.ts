/** Terminal tab name: several terminals on several pods stay told apart. */
export function terminalName(pod: string, container: string): string {
  return `${pod}/${container}`;
}

const DIM = '\x1b[2m';
const YELLOW = '\x1b[33m';
const RED = '\x1b[31m';
const RESET = '\x1b[0m';

export function connectingText(pod: string, container: string, shell: string): string {
  return `${DIM}Connecting to ${pod}/${container} (${shell})...${RESET}\r\n`;
}

/**
 * Shown when the shell ended with an error status: any key starts a new one. Without an exit code
 * (negative), the server refused or failed the exec itself, and its message says why.
 */
export function shellEndedText(exitCode: number, message: string): string {
  const what =
    exitCode >= 0
      ? `The shell exited with code ${exitCode}.`
      : `The shell could not run: ${message}.`;
  return `\r\n${YELLOW}${what}${RESET}\r\n${YELLOW}Press any key to start a new shell (the pod is looked up again), or close this terminal.${RESET}\r\n`;
}

/** Shown when the connection dropped: the terminal reconnects by itself. */
export function connectionLostText(why: string): string {
  return `\r\n${YELLOW}Connection to the pod lost: ${why}.${RESET}\r\n${YELLOW}Reconnecting (the pod is looked up again)...${RESET}\r\n`;
}

/** Shown when a reconnect attempt failed and the next one is scheduled. */
export function retryText(message: string, delayMs: number): string {
  return `${YELLOW}${message} Trying again in ${Math.round(delayMs / 1000)} s; press any key to try now.${RESET}\r\n`;
}

/** Shown once a dropped terminal is back: the old shell's state (directory, variables, jobs) is gone. */
export function reconnectedText(pod: string, container: string): string {
  return `${YELLOW}Reconnected to ${pod}/${container}: this is a new shell.${RESET}\r\n`;
}

export function failedText(message: string): string {
  return `\r\n${RED}${message}${RESET}\r\n${YELLOW}Press any key to try again, or close this terminal.${RESET}\r\n`;
}

export function noShellText(): string {
  return `\r\n${RED}The container has neither bash nor sh, so no interactive shell can run in it.${RESET}\r\n`;
}

/** Shown before the buffered keys are sent when more was typed during connecting than is kept. */
export function inputDroppedText(droppedBytes: number, limitBytes: number): string {
  return `${YELLOW}${droppedBytes} bytes typed while connecting were not sent (at most ${limitBytes / 1024} KiB are kept).${RESET}\r\n`;
}
