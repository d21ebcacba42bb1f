/** Builds DOM nodes from data without innerHTML, so log text can never become markup. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Partial<Record<string, string>> = {},
  ...children: (Node | string | undefined)[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined) continue;
    if (name === 'class') element.className = value;
    else element.setAttribute(name, value);
  }
  for (const child of children) {
    if (child !== undefined) element.append(child);
  }
  return element;
}

export function clear(element: Element): void {
  while (element.firstChild) element.removeChild(element.firstChild);
}

/** Reads a VS Code theme colour (a CSS variable) for canvas drawing, which cannot use var(). */
export function themeColour(variable: string, fallback: string): string {
  const value = getComputedStyle(document.body).getPropertyValue(variable).trim();
  return value || fallback;
}

/** Colours for pods and chart series, from the terminal palette so they follow the theme. */
export const SERIES_COLOUR_VARIABLES = [
  '--vscode-terminal-ansiBlue',
  '--vscode-terminal-ansiGreen',
  '--vscode-terminal-ansiMagenta',
  '--vscode-terminal-ansiYellow',
  '--vscode-terminal-ansiCyan',
  '--vscode-terminal-ansiRed',
  '--vscode-terminal-ansiBrightBlue',
  '--vscode-terminal-ansiBrightGreen',
];
const FALLBACK_COLOURS = [
  '#3b8eea',
  '#23d18b',
  '#d670d6',
  '#e5e510',
  '#29b8db',
  '#f14c4c',
  '#3b8eea',
  '#23d18b',
];

export function seriesColour(index: number): string {
  const slot = index % SERIES_COLOUR_VARIABLES.length;
  return themeColour(SERIES_COLOUR_VARIABLES[slot], FALLBACK_COLOURS[slot]);
}
