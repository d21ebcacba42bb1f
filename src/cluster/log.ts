/**
 * Where code writes what it did and what went wrong, by level. VS Code's LogOutputChannel fits as
 * it is, so features pass their output channel and the core never imports vscode.
 */
export interface Log {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}
