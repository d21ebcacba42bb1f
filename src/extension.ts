import * as vscode from 'vscode';
import { createServices } from './common/createServices';
import { registerExplorer } from './explorer/register';
import { registerDevPods } from './devPods/register';
import { registerTerminals } from './terminals/register';
import { registerForwarding } from './forwarding/register';
import { registerAttach } from './attach/register';
import { registerLogs } from './logs/register';
import { registerGpuMetrics } from './gpuMetrics/register';
import { registerJobs } from './jobs/register';
import { registerServing } from './serving/register';
import type { Services } from './common/services';

/** Returned from activate() so extension-host tests can reach the shared services. */
export interface KubeMlApi {
  readonly services: Services;
}

export function activate(context: vscode.ExtensionContext): KubeMlApi {
  const services = createServices(context);
  for (const register of [
    registerExplorer,
    registerDevPods,
    registerTerminals,
    registerForwarding,
    registerAttach,
    registerLogs,
    registerGpuMetrics,
    registerJobs,
    registerServing,
  ]) {
    register(services);
  }
  return { services };
}

export function deactivate(): void {
  // Everything is owned by context.subscriptions and disposed by VS Code.
}
