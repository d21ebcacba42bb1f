import * as vscode from 'vscode';
import { KubeMlError } from '../cluster/errors';
import { KeyedDebounce } from '../common/model/keyedDebounce';
import type { Services } from '../common/services';
import { DEV_POD_FILE, parseDevPodFile, type FileParseResult } from './model/devPodFile';
import { fitsSomewhere, selectableProduct } from './model/gpuCapacity';
import type { ProductFreeGpus } from '../cluster/gpu/freeGpus';
import type { DevPodSpec } from './model/spec';
import { DisposableStore } from '../cluster/disposableStore';

/** Typing pauses shorter than this do not reparse the file. */
const REPARSE_DELAY_MS = 300;

/** Problems of `.kubeml/devpod.yaml` files as editor diagnostics, updated when typing pauses. */
export class DevPodFileDiagnostics implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection('kubeMl.devPod');
  private readonly reparse = new KeyedDebounce<string>(REPARSE_DELAY_MS);
  private readonly subscriptions = new DisposableStore();

  constructor(private readonly services: Services) {
    this.subscriptions.add(this.collection);
    this.subscriptions.add(this.reparse);
    this.subscriptions.add(
      vscode.workspace.onDidOpenTextDocument((document) => this.update(document)),
    );
    this.subscriptions.add(
      vscode.workspace.onDidChangeTextDocument((event) => {
        if (DevPodFileDiagnostics.isDevPodFile(event.document.uri))
          this.reparse.schedule(event.document.uri.toString(), () => this.update(event.document));
      }),
    );
    this.subscriptions.add(
      vscode.workspace.onDidCloseTextDocument((document) => {
        this.reparse.cancel(document.uri.toString());
        this.collection.delete(document.uri);
      }),
    );
    vscode.workspace.textDocuments.forEach((document) => this.update(document));
  }

  static isDevPodFile(uri: vscode.Uri): boolean {
    return uri.path.endsWith(`/${DEV_POD_FILE}`);
  }

  /** Parses the document, publishes its diagnostics and returns the result. */
  update(document: vscode.TextDocument): FileParseResult | undefined {
    if (!DevPodFileDiagnostics.isDevPodFile(document.uri)) return undefined;
    this.reparse.cancel(document.uri.toString());
    const namespace = this.services.connection.session?.namespace ?? 'default';
    const result = parseDevPodFile(document.getText(), {
      namespace,
      idleMinutes: this.services.settings.devPodIdleMinutes(),
      restrictedPodSecurity: this.services.settings.restrictedPodSecurity(),
      storageClass: this.services.settings.defaultStorageClass(),
    });
    this.collection.set(
      document.uri,
      result.issues.map((issue) => {
        const line = Math.min(issue.line - 1, Math.max(0, document.lineCount - 1));
        const diagnostic = new vscode.Diagnostic(
          document.lineAt(line).range,
          issue.message,
          vscode.DiagnosticSeverity.Error,
        );
        diagnostic.source = 'Kube ML';
        return diagnostic;
      }),
    );
    return result;
  }

  dispose(): void {
    this.subscriptions.dispose();
  }
}

/** The file to create from: the argument, the active editor's devpod.yaml, or the workspace's. */
export async function findDevPodFile(argument: unknown): Promise<vscode.Uri> {
  if (argument instanceof vscode.Uri) return argument;
  const active = vscode.window.activeTextEditor?.document.uri;
  if (active && DevPodFileDiagnostics.isDevPodFile(active)) return active;
  const found = await vscode.workspace.findFiles(DEV_POD_FILE, '**/node_modules/**', 2);
  if (found.length === 0) {
    throw new KubeMlError(
      'notFound',
      `No ${DEV_POD_FILE} in this workspace.`,
      `Create ${DEV_POD_FILE} (name:, gpu: { product, count }, image:, ...) or use Create Dev Pod for the guided flow.`,
    );
  }
  return found[0];
}

/** Reads and validates the file; problems become diagnostics and one error naming the first line. */
export async function specFromFile(
  services: Services,
  diagnostics: DevPodFileDiagnostics,
  uri: vscode.Uri,
  products: readonly ProductFreeGpus[],
): Promise<DevPodSpec> {
  const document = await vscode.workspace.openTextDocument(uri);
  const result = diagnostics.update(document);
  if (!result?.spec) {
    const issues = result?.issues ?? [];
    throw new KubeMlError(
      'invalidInput',
      `${DEV_POD_FILE} line ${issues[0]?.line ?? 1}: ${issues[0]?.message ?? 'invalid'}`,
      issues.length > 1
        ? `${issues.length - 1} more problem(s) are underlined in the file.`
        : 'Fix it and run the command again.',
    );
  }
  const spec = result.spec;
  // "gpu: { count: 2 }" without a product: take the product with room for it right now.
  if (spec.gpu && !spec.gpu.product) {
    const product = products.find(
      (candidate) =>
        selectableProduct(candidate.product) &&
        fitsSomewhere([candidate], spec.gpu?.count ?? 1, candidate.product),
    );
    if (product) {
      services.output.info(
        `${DEV_POD_FILE} names no GPU product: using ${product.product}, which has ${product.maxFreeOnOneNode} free on one node.`,
      );
      return { ...spec, gpu: { count: spec.gpu.count, product: product.product } };
    }
  }
  return spec;
}
