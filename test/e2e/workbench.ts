// Workbench actions for e2e journeys, written the way a person uses VS Code: the activity bar,
// view sections, tree rows, the command palette (F1), quick picks, notifications and webviews.
// Selectors are roles, aria-labels and visible text; every wait is on a condition.
import type { FrameLocator, Locator, Page } from '../../scripts/rig/browser';
import { waitFor } from '../waitFor';

const DEFAULT_TIMEOUT_MS = 20_000;
/** publisher.name: the key VS Code keeps the extension's global state under. */
const EXTENSION_ID = 'kube-ml-workbench.kube-ml-workbench';
/** Wide enough for GPU Capacity rows with their figures. */
const SIDE_BAR_WIDTH = 560;

function exactly(text: string): RegExp {
  return new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
}

export class Workbench {
  constructor(readonly page: Page) {}

  /** Waits until the workbench has rendered its activity bar and status bar. */
  async waitReady(timeoutMs = 60_000): Promise<void> {
    await this.page
      .locator('.monaco-workbench .part.activitybar')
      .waitFor({ state: 'visible', timeout: timeoutMs });
    await this.page
      .locator('.monaco-workbench .part.statusbar')
      .waitFor({ state: 'visible', timeout: timeoutMs });
  }

  /**
   * Waits until the extension's global state holds `key` with the `expected` fields, as written to
   * the browser's storage. VS Code writes it there 100 ms after a change, and a new page reads only
   * what was written: a journey that changes what the next one starts from (the remembered context)
   * waits for this before it ends. The check runs in the page.
   */
  async waitForStoredGlobalState(
    key: string,
    expected: { readonly [field: string]: string },
    timeoutMs = DEFAULT_TIMEOUT_MS,
  ): Promise<void> {
    const stored = () => this.page.evaluate(readStoredGlobalState, EXTENSION_ID);
    await waitFor(
      async () => {
        const state = await stored();
        return Object.entries(expected).every(([field, value]) => state?.[key]?.[field] === value);
      },
      timeoutMs,
      `the extension's stored global state ${key} to hold ${JSON.stringify(expected)}`,
      250,
    );
  }

  /** The activity-bar entry of a view container, by its title (e.g. "Kube ML", "Explorer"). */
  activityBarItem(title: string): Locator {
    return this.page
      .locator('.part.activitybar')
      .getByRole('tab', { name: new RegExp(`^${escape(title)}\\b`) });
  }

  /** Opens a view container from the activity bar (does not close it when it is already open). */
  async openContainer(title: string): Promise<void> {
    const item = this.activityBarItem(title);
    await item.waitFor({ state: 'visible', timeout: DEFAULT_TIMEOUT_MS });
    if ((await item.getAttribute('aria-selected')) !== 'true') {
      await item.click();
    }
    await this.sideBar()
      .getByRole('heading', { name: exactly(title) })
      .waitFor({ state: 'visible', timeout: DEFAULT_TIMEOUT_MS });
  }

  /** Opens the Kube ML container and waits for its first view section. */
  async openKubeMl(): Promise<void> {
    await this.openContainer('Kube ML');
    // The extension has activated and read the kubeconfig once Clusters shows rows or its welcome text.
    await this.treeItems('Clusters')
      .first()
      .or(this.view('Clusters').locator('.welcome-view-content'))
      .first()
      .waitFor({ state: 'visible', timeout: 60_000 });
    if (((await this.sideBar().boundingBox())?.width ?? 0) < SIDE_BAR_WIDTH - 8) {
      await this.resizeSideBar(SIDE_BAR_WIDTH);
    }
    await this.viewHeader('Clusters').waitFor({ state: 'visible', timeout: DEFAULT_TIMEOUT_MS });
  }

  /** Drags the side bar's edge (its sash) so that labels fit: readable screenshots. */
  async resizeSideBar(width: number): Promise<void> {
    const box = await this.sideBar().boundingBox();
    if (!box) {
      throw new Error('the side bar is not visible');
    }
    const y = box.y + box.height / 2;
    await this.page.mouse.move(box.x + box.width, y);
    await this.page.mouse.down();
    await this.page.mouse.move(box.x + width, y, { steps: 4 });
    await this.page.mouse.up();
    const resized = await this.sideBar().boundingBox();
    if (!resized || Math.abs(resized.width - width) > 8) {
      throw new Error(
        `the side bar is ${resized?.width} px wide after dragging its edge to ${width} px`,
      );
    }
  }

  sideBar(): Locator {
    return this.page.locator('.part.sidebar');
  }

  /** The header (the clickable title bar) of a view section in the side bar, e.g. "GPU Capacity". */
  viewHeader(name: string): Locator {
    return this.sideBar().getByRole('button', { name: `${name} Section`, exact: true });
  }

  /** A whole view section (header and body), e.g. view('GPU Capacity'). */
  view(name: string): Locator {
    // `has` is matched inside each .pane, so it must not be anchored at the side bar.
    return this.sideBar()
      .locator('.pane')
      .filter({ has: this.page.getByRole('button', { name: `${name} Section`, exact: true }) });
  }

  /** The tree of a tree view section (role tree, named after the view). */
  tree(viewName: string): Locator {
    return this.view(viewName).getByRole('tree', { name: viewName, exact: true });
  }

  /** Expands a collapsed view section and waits until its body is shown. */
  async expandView(name: string): Promise<Locator> {
    const header = this.viewHeader(name);
    await header.waitFor({ state: 'visible', timeout: DEFAULT_TIMEOUT_MS });
    if ((await header.getAttribute('aria-expanded')) !== 'true') {
      await header.click();
    }
    const view = this.view(name);
    await view.locator('.pane-body').waitFor({ state: 'visible', timeout: DEFAULT_TIMEOUT_MS });
    return view;
  }

  async collapseView(name: string): Promise<void> {
    const header = this.viewHeader(name);
    if ((await header.getAttribute('aria-expanded')) === 'true') {
      await header.click();
    }
  }

  /** Rows of a tree view (role treeitem), optionally filtered by their accessible name. */
  treeItems(viewName: string, name?: string | RegExp): Locator {
    return this.tree(viewName).getByRole('treeitem', name === undefined ? {} : { name });
  }

  /** Waits for a tree row whose accessible name matches and returns it. */
  async treeItem(
    viewName: string,
    name: string | RegExp,
    timeoutMs = DEFAULT_TIMEOUT_MS,
  ): Promise<Locator> {
    const item = this.treeItems(viewName, name).first();
    await item.waitFor({ state: 'visible', timeout: timeoutMs });
    return item;
  }

  /** Expands a collapsed tree row (a no-op when it is already expanded or has no children). */
  async expandTreeItem(item: Locator): Promise<void> {
    if ((await item.getAttribute('aria-expanded')) === 'false') {
      await item.click();
      await item.press('ArrowRight');
    }
  }

  /** Right-clicks `target` and chooses a context-menu entry by its visible title. */
  async contextMenu(target: Locator, entry: string | RegExp): Promise<void> {
    await target.click({ button: 'right' });
    const item = this.page.locator('.context-view .monaco-menu').getByRole('menuitem', {
      name: typeof entry === 'string' ? new RegExp(`^${escape(entry)}`) : entry,
    });
    try {
      await item.first().waitFor({ state: 'visible', timeout: DEFAULT_TIMEOUT_MS });
    } catch (error) {
      throw new Error(
        `No context-menu entry ${entry} (an action in a menu group "inline" is an icon on the row: use clickInlineAction): ${(error as Error).message}`,
      );
    }
    // Monaco menus act on their own mouse-up/keyboard handling; a synthetic click can land while the
    // menu still animates and be dropped. Focusing the entry and pressing Enter is what a keyboard user does.
    await item.first().hover();
    await this.page.keyboard.press('Enter');
    await this.page
      .locator('.context-view .monaco-menu')
      .waitFor({ state: 'hidden', timeout: DEFAULT_TIMEOUT_MS });
  }

  /** Clicks an inline action (the icons a tree row shows on hover, menus group "inline"), e.g. 'Stop Forward'. */
  async clickInlineAction(row: Locator, title: string): Promise<void> {
    await row.hover();
    const action = row.getByRole('button', { name: new RegExp(`^${escape(title)}`) }).first();
    await action.waitFor({ state: 'visible', timeout: DEFAULT_TIMEOUT_MS });
    await action.click();
  }

  /** The quick input (command palette, quick picks, input boxes). */
  quickInput(): Locator {
    return this.page.locator('.quick-input-widget');
  }

  /**
   * Opens the command palette with F1 and runs a command by its full title ("Kube ML: Switch Namespace").
   * A command hidden by its `when` clause (e.g. kubeMl.connected while the extension connects) only
   * shows in a palette opened after the clause became true, so the palette is reopened until it does.
   */
  async runCommand(title: string, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const option = this.quickInput()
      .getByRole('option', { name: new RegExp(`^${escape(title)}`) })
      .first();
    for (;;) {
      await this.closeQuickInput();
      await this.page.locator('.monaco-workbench').focus();
      await this.page.keyboard.press('F1');
      const input = this.quickInputBox();
      await input.waitFor({ state: 'visible', timeout: DEFAULT_TIMEOUT_MS });
      await input.fill(`>${title}`);
      try {
        await option.waitFor({
          state: 'visible',
          timeout: Math.min(3_000, Math.max(1, deadline - Date.now())),
        });
        break;
      } catch (error) {
        if (Date.now() >= deadline) {
          throw new Error(
            `The command palette does not offer "${title}" (hidden by its when clause, or not contributed): ${(error as Error).message}`,
          );
        }
      }
    }
    await option.click();
  }

  /**
   * Waits until the quick input shows the step whose title matches `step` (its title bar, e.g.
   * /\(3\/3\): image/). VS Code reuses one widget for every quick pick and input box, and the
   * previous step stays on screen for a moment after it is answered: what follows a step wait reads
   * or answers that step, never the one before it.
   */
  async quickInputStep(step: string | RegExp, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<void> {
    await this.page.waitForFunction(
      ({ source, flags }) => {
        const widget = document.querySelector('.quick-input-widget');
        const title = widget?.querySelector('.quick-input-title')?.textContent ?? '';
        return (
          !!widget && widget.getClientRects().length > 0 && new RegExp(source, flags).test(title)
        );
      },
      stepPattern(step),
      { timeout: timeoutMs },
    );
  }

  /**
   * Options of the quick pick titled `step` (their accessible names), read in the same pass that
   * checks the title: the rows returned belong to that step, whatever was on screen before it.
   */
  async quickPickOptions(step: string | RegExp, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<string[]> {
    const handle = await this.page.waitForFunction(
      ({ source, flags }) => {
        const widget = document.querySelector('.quick-input-widget');
        const title = widget?.querySelector('.quick-input-title')?.textContent ?? '';
        if (
          !widget ||
          widget.getClientRects().length === 0 ||
          !new RegExp(source, flags).test(title)
        )
          return undefined;
        // The list fills in after the title when items arrive as a promise (a busy quick pick).
        const rows = Array.from(widget.querySelectorAll('[role=option]'));
        return rows.length > 0
          ? rows.map((row) => row.getAttribute('aria-label') ?? row.textContent ?? '')
          : undefined;
      },
      stepPattern(step),
      { timeout: timeoutMs },
    );
    return (await handle.jsonValue()) ?? [];
  }

  /**
   * In the quick pick titled `step`, chooses the option whose accessible name matches (typing
   * `filterText` first narrows long lists).
   */
  async pick(step: string | RegExp, name: string | RegExp, filterText?: string): Promise<void> {
    await this.quickInputStep(step);
    if (filterText !== undefined) {
      await this.quickInputBox().fill(filterText);
    }
    const option = this.quickInput()
      .getByRole('option', {
        name: typeof name === 'string' ? new RegExp(`^${escape(name)}`) : name,
      })
      .first();
    await option.waitFor({ state: 'visible', timeout: DEFAULT_TIMEOUT_MS });
    await option.click();
  }

  /** Types into the input box titled `step` (showInputBox) and accepts it with Enter. */
  async answerInput(step: string | RegExp, text: string): Promise<void> {
    await this.quickInputStep(step);
    const input = this.quickInputBox();
    await input.fill(text);
    await input.press('Enter');
  }

  /** The text field of the quick input (palette filter, quick-pick filter or input box). */
  quickInputBox(): Locator {
    return this.quickInput()
      .getByRole('textbox')
      .or(this.quickInput().getByRole('combobox'))
      .first();
  }

  async closeQuickInput(): Promise<void> {
    if (await this.quickInput().isVisible()) {
      await this.page.keyboard.press('Escape');
      await this.quickInput().waitFor({ state: 'hidden', timeout: DEFAULT_TIMEOUT_MS });
    }
  }

  /**
   * Switches the extension to `namespace` from the palette (typing it narrows the list) and waits
   * until the status bar names it: the state the next step reads, not the closing of the picker.
   */
  async switchNamespace(namespace: string): Promise<void> {
    await this.runCommand('Kube ML: Switch Namespace');
    // An option's accessible name is its label, then ", description" when it has one.
    await this.pick(/Switch Namespace/, new RegExp(`^${escape(namespace)}(,|$)`), namespace);
    await this.statusBarItem(new RegExp(` / ${escape(namespace)}(\\s|$)`)).waitFor({
      state: 'visible',
      timeout: DEFAULT_TIMEOUT_MS,
    });
  }

  /** Answers a modal dialog (showWarningMessage with modal: true) whose message matches, with one of its buttons. */
  async answerDialog(
    message: string | RegExp,
    button: string,
    timeoutMs = DEFAULT_TIMEOUT_MS,
  ): Promise<void> {
    const dialog = this.page.locator('.monaco-dialog-box').filter({ hasText: message }).first();
    await dialog.waitFor({ state: 'visible', timeout: timeoutMs });
    await dialog.getByRole('button', { name: button, exact: true }).click();
    await dialog.waitFor({ state: 'hidden', timeout: timeoutMs });
  }

  /** A notification toast (role dialog, named "Info: <message>, source: ..."); waits until it is shown. */
  async notification(text: string | RegExp, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<Locator> {
    const toast = this.page
      .locator('.notifications-toasts')
      .getByRole('dialog', { name: typeof text === 'string' ? new RegExp(escape(text)) : text })
      .first();
    await toast.waitFor({ state: 'visible', timeout: timeoutMs });
    return toast;
  }

  /** Clicks a button (action) of a notification, e.g. 'Retry'. */
  async clickNotificationAction(toast: Locator, action: string): Promise<void> {
    await toast.getByRole('button', { name: action, exact: true }).click();
  }

  /** The status-bar entry whose accessible name or text matches. */
  statusBarItem(name: string | RegExp): Locator {
    return this.page.locator('.part.statusbar').getByRole('button', { name }).first();
  }

  /** The editor tab with this title. */
  editorTab(title: string | RegExp): Locator {
    return this.page
      .locator('.part.editor .tabs-container')
      .getByRole('tab', {
        name: typeof title === 'string' ? new RegExp(`^${escape(title)}`) : title,
      })
      .first();
  }

  /**
   * The content of a webview panel whose editor tab has this title. VS Code nests each webview in
   * two iframes (the host frame and #active-frame holding the extension's HTML). A new panel's tab
   * shows before its frame, while the previous panel's frame can still be the visible one, so the
   * frame is chosen by its document's title, which our panels set to the tab's title.
   */
  async webview(tabTitle: string | RegExp, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<FrameLocator> {
    await this.editorTab(tabTitle).waitFor({ state: 'visible', timeout: timeoutMs });
    const pattern = typeof tabTitle === 'string' ? new RegExp(`^${escape(tabTitle)}`) : tabTitle;
    const hosts = this.page.locator('iframe.webview.ready');
    return waitFor(
      async () => {
        for (const name of await hosts.evaluateAll((frames) =>
          frames.map((frame) => frame.getAttribute('name') ?? ''),
        )) {
          const host = this.page.locator(`iframe.webview.ready[name="${name}"]`);
          if (!name || !(await host.isVisible())) continue;
          const inner = host.contentFrame().locator('iframe#active-frame').contentFrame();
          const title = await inner
            .locator('title')
            .textContent({ timeout: 1_000 })
            .catch(() => null);
          if (title !== null && pattern.test(title)) return inner;
        }
        return undefined;
      },
      timeoutMs,
      `the webview titled ${pattern}`,
    );
  }

  /** The editor area (for screenshots of webviews and editors). */
  editorArea(): Locator {
    return this.page.locator('.part.editor');
  }

  /** The rows of the visible terminal (DOM renderer; the rig turns GPU rendering off), for getByText. */
  terminalRows(): Locator {
    return this.panel()
      .locator('.terminal-wrapper.active .xterm-rows')
      .or(this.panel().locator('.xterm-rows'))
      .first();
  }

  /** The panel area (terminal, output). */
  panel(): Locator {
    return this.page.locator('.part.panel');
  }
}

/** A step title as the browser-side check takes it (a RegExp does not cross into the page). */
function stepPattern(step: string | RegExp): { source: string; flags: string } {
  return typeof step === 'string'
    ? { source: escape(step), flags: '' }
    : { source: step.source, flags: step.flags };
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Runs in the page: the extension's global state as VS Code stored it in the browser (IndexedDB).
 * No named inner functions: tsx would wrap them in a helper the page does not have.
 */
function readStoredGlobalState(
  extensionId: string,
): Promise<Record<string, Record<string, unknown> | undefined> | undefined> {
  return new Promise((resolve) => {
    const open = indexedDB.open('vscode-web-state-db-global');
    open.onerror = () => resolve(undefined);
    open.onsuccess = () => {
      const database = open.result;
      try {
        const request = database
          .transaction('ItemTable', 'readonly')
          .objectStore('ItemTable')
          .get(extensionId);
        request.onerror = () => {
          database.close();
          resolve(undefined);
        };
        request.onsuccess = () => {
          database.close();
          try {
            resolve(typeof request.result === 'string' ? JSON.parse(request.result) : undefined);
          } catch {
            resolve(undefined);
          }
        };
      } catch {
        database.close();
        resolve(undefined);
      }
    };
  });
}
