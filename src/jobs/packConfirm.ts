import * as vscode from 'vscode';
import { packSummaryText, type PackSummary } from './model/packSummary';

/** Asks before a packed folder leaves this machine. */
export async function confirmPackedFolder(summary: PackSummary): Promise<boolean> {
  const answer = await vscode.window.showWarningMessage(
    `Send ${summary.folder} to the cluster?`,
    { modal: true, detail: packSummaryText(summary) },
    'Submit',
  );
  return answer === 'Submit';
}
