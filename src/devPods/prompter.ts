import * as vscode from 'vscode';

/** The two kinds of question the guided flow asks; tests answer them without UI. */
export interface InputQuestion {
  readonly title: string;
  readonly prompt: string;
  readonly value: string;
  readonly validate: (value: string) => string | undefined;
}

export interface PickQuestion<T extends vscode.QuickPickItem> {
  readonly title: string;
  readonly placeholder: string;
  readonly items: readonly T[];
  readonly active?: T;
  /** Title-bar buttons; choosing one answers `{ button: id }`. */
  readonly buttons?: readonly {
    readonly id: string;
    readonly icon: string;
    readonly tooltip: string;
  }[];
}

export interface FlowPrompter {
  input(question: InputQuestion): Promise<string | undefined>;
  pick<T extends vscode.QuickPickItem>(
    question: PickQuestion<T>,
  ): Promise<T | { button: string } | undefined>;
}

/** The real prompter: an InputBox and a QuickPick whose default answer is preselected (Enter accepts it). */
export const windowPrompter: FlowPrompter = {
  input(question) {
    return Promise.resolve(
      vscode.window.showInputBox({
        title: question.title,
        prompt: question.prompt,
        value: question.value,
        ignoreFocusOut: true,
        validateInput: question.validate,
      }),
    );
  },
  pick<T extends vscode.QuickPickItem>(question: PickQuestion<T>) {
    return new Promise<T | { button: string } | undefined>((resolve) => {
      const quickPick = vscode.window.createQuickPick<T>();
      const buttons = (question.buttons ?? []).map((button) => ({
        id: button.id,
        iconPath: new vscode.ThemeIcon(button.icon),
        tooltip: button.tooltip,
      }));
      quickPick.title = question.title;
      quickPick.placeholder = question.placeholder;
      quickPick.items = question.items;
      quickPick.ignoreFocusOut = true;
      quickPick.buttons = buttons;
      if (question.active) quickPick.activeItems = [question.active];
      let answered = false;
      const finish = (answer: T | { button: string } | undefined) => {
        if (answered) return;
        answered = true;
        resolve(answer);
        quickPick.dispose();
      };
      quickPick.onDidAccept(() => finish(quickPick.selectedItems[0] ?? quickPick.activeItems[0]));
      quickPick.onDidTriggerButton((button) =>
        finish({ button: buttons.find((candidate) => candidate === button)?.id ?? '' }),
      );
      quickPick.onDidHide(() => finish(undefined));
      quickPick.show();
    });
  },
};
