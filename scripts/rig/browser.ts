// Headless Chromium (Debian's /usr/bin/chromium) driven by playwright-core. playwright-core lives
// in the rig cache, not in the project's node_modules, so it is loaded by path and typed here with
// the subset of its API the rig and the journeys use (same names and shapes as playwright's).
import * as fs from 'fs';
import * as path from 'path';
import { rigCache } from './codeServer';

type Role =
  | 'button'
  | 'checkbox'
  | 'dialog'
  | 'link'
  | 'list'
  | 'listbox'
  | 'menu'
  | 'menuitem'
  | 'option'
  | 'tab'
  | 'tablist'
  | 'textbox'
  | 'tree'
  | 'treeitem'
  | 'combobox'
  | 'alert'
  | 'heading'
  | 'region'
  | 'row'
  | 'cell'
  | 'grid'
  | 'toolbar'
  | 'status'
  | 'document'
  | 'application'
  | 'img';

export interface RoleOptions {
  name?: string | RegExp;
  exact?: boolean;
  expanded?: boolean;
  selected?: boolean;
  checked?: boolean;
  includeHidden?: boolean;
}
export interface TextOptions {
  exact?: boolean;
}
export interface WaitOptions {
  state?: 'attached' | 'detached' | 'visible' | 'hidden';
  timeout?: number;
}
export interface ScreenshotOptions {
  path?: string;
  fullPage?: boolean;
  timeout?: number;
}

/** A value in the page (what waitForFunction resolves with). */
export interface JSHandle<T> {
  jsonValue(): Promise<T>;
  dispose(): Promise<void>;
}

/** Finders shared by Page, Locator and FrameLocator. */
export interface Finders {
  locator(selector: string, options?: { hasText?: string | RegExp; has?: Locator }): Locator;
  getByRole(role: Role, options?: RoleOptions): Locator;
  getByText(text: string | RegExp, options?: TextOptions): Locator;
  getByLabel(text: string | RegExp, options?: TextOptions): Locator;
  getByTitle(text: string | RegExp, options?: TextOptions): Locator;
  getByPlaceholder(text: string | RegExp, options?: TextOptions): Locator;
}

export interface Locator extends Finders {
  first(): Locator;
  last(): Locator;
  nth(index: number): Locator;
  filter(options: {
    hasText?: string | RegExp;
    hasNotText?: string | RegExp;
    has?: Locator;
    visible?: boolean;
  }): Locator;
  and(locator: Locator): Locator;
  or(locator: Locator): Locator;
  click(options?: {
    button?: 'left' | 'right' | 'middle';
    clickCount?: number;
    timeout?: number;
    force?: boolean;
  }): Promise<void>;
  dblclick(options?: { timeout?: number }): Promise<void>;
  hover(options?: { timeout?: number }): Promise<void>;
  fill(value: string, options?: { timeout?: number }): Promise<void>;
  press(key: string, options?: { timeout?: number }): Promise<void>;
  pressSequentially(text: string, options?: { delay?: number; timeout?: number }): Promise<void>;
  focus(options?: { timeout?: number }): Promise<void>;
  waitFor(options?: WaitOptions): Promise<void>;
  count(): Promise<number>;
  isVisible(): Promise<boolean>;
  textContent(options?: { timeout?: number }): Promise<string | null>;
  innerText(options?: { timeout?: number }): Promise<string>;
  allInnerTexts(): Promise<string[]>;
  allTextContents(): Promise<string[]>;
  getAttribute(name: string, options?: { timeout?: number }): Promise<string | null>;
  inputValue(options?: { timeout?: number }): Promise<string>;
  all(): Promise<Locator[]>;
  screenshot(options?: ScreenshotOptions): Promise<Buffer>;
  boundingBox(options?: {
    timeout?: number;
  }): Promise<{ x: number; y: number; width: number; height: number } | null>;
  scrollIntoViewIfNeeded(options?: { timeout?: number }): Promise<void>;
  evaluate<R, A = unknown>(fn: (element: Element, arg: A) => R | Promise<R>, arg?: A): Promise<R>;
  evaluateAll<R, A = unknown>(
    fn: (elements: Element[], arg: A) => R | Promise<R>,
    arg?: A,
  ): Promise<R>;
  contentFrame(): FrameLocator;
}

export interface FrameLocator extends Finders {
  frameLocator(selector: string): FrameLocator;
  owner(): Locator;
}

export interface Keyboard {
  press(key: string, options?: { delay?: number }): Promise<void>;
  type(text: string, options?: { delay?: number }): Promise<void>;
  insertText(text: string): Promise<void>;
  down(key: string): Promise<void>;
  up(key: string): Promise<void>;
}

export interface Mouse {
  move(x: number, y: number, options?: { steps?: number }): Promise<void>;
  down(options?: { button?: 'left' | 'right' | 'middle' }): Promise<void>;
  up(options?: { button?: 'left' | 'right' | 'middle' }): Promise<void>;
  click(x: number, y: number, options?: { button?: 'left' | 'right' | 'middle' }): Promise<void>;
  wheel(deltaX: number, deltaY: number): Promise<void>;
}

export interface ConsoleMessage {
  type(): string;
  text(): string;
}

export interface Page extends Finders {
  goto(
    url: string,
    options?: {
      timeout?: number;
      waitUntil?: 'load' | 'domcontentloaded' | 'networkidle' | 'commit';
    },
  ): Promise<unknown>;
  reload(options?: { timeout?: number }): Promise<unknown>;
  url(): string;
  title(): Promise<string>;
  close(): Promise<void>;
  keyboard: Keyboard;
  mouse: Mouse;
  frameLocator(selector: string): FrameLocator;
  screenshot(options?: ScreenshotOptions): Promise<Buffer>;
  setViewportSize(size: { width: number; height: number }): Promise<void>;
  waitForFunction<R, A = unknown>(
    fn: (arg: A) => R | Promise<R>,
    arg?: A,
    options?: { timeout?: number; polling?: number | 'raf' },
  ): Promise<JSHandle<R>>;
  evaluate<R, A = unknown>(fn: (arg: A) => R | Promise<R>, arg?: A): Promise<R>;
  exposeFunction(name: string, callback: (...args: never[]) => unknown): Promise<void>;
  on(event: 'console', listener: (message: ConsoleMessage) => void): void;
  on(event: 'pageerror', listener: (error: Error) => void): void;
  setDefaultTimeout(timeoutMs: number): void;
}

export interface BrowserContext {
  newPage(): Promise<Page>;
  pages(): Page[];
  close(): Promise<void>;
}

interface PlaywrightCore {
  chromium: {
    launchPersistentContext(
      userDataDir: string,
      options: Record<string, unknown>,
    ): Promise<BrowserContext>;
  };
}

export const playwrightPath = path.join(
  rigCache,
  'playwright-core',
  'node_modules',
  'playwright-core',
);
export const chromiumPath = process.env.KMW_CHROMIUM || '/usr/bin/chromium';

function loadPlaywright(): PlaywrightCore {
  if (!fs.existsSync(playwrightPath) || !fs.existsSync(chromiumPath)) {
    throw new Error(
      `playwright-core or chromium is missing (${playwrightPath}, ${chromiumPath}): run \`bash scripts/rig/install.sh\``,
    );
  }
  // Loaded by path from the rig cache: it is deliberately not a dependency of the project.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(playwrightPath) as PlaywrightCore;
}

/** Launches headless Chromium with a fresh profile folder (launchPersistentContext: launch() refuses --user-data-dir). */
export async function launchChromium(
  profileDir: string,
  viewport = { width: 1440, height: 900 },
): Promise<BrowserContext> {
  const { chromium } = loadPlaywright();
  return chromium.launchPersistentContext(profileDir, {
    executablePath: chromiumPath,
    headless: true,
    viewport,
    deviceScaleFactor: 1,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
      // Only loopback resolves: nothing the workbench loads can leave the machine.
      '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost',
    ],
  });
}
