import type { ExecOutcome } from '../../cluster/exec';

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

/** Shown in the terminal when the exec connection drops; any key reconnects. */
export function droppedText(outcome: ExecOutcome): string {
  const why = outcome.kind === 'exited' ? `the shell exited with code ${outcome.exitCode}` : outcome.message;
  return `\r\n${YELLOW}Connection to the pod lost: ${why}.${RESET}\r\n${YELLOW}Press any key to reconnect (the pod is looked up again), or close this terminal.${RESET}\r\n`;
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
