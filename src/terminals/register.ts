import type { Services } from '../common/services';
import { openTerminal } from './openTerminal';
import { registerCommands } from '../common/commandTable';

/** Terminals into a pod, a dev pod or a workload's pod. */
export function registerTerminals(services: Services): void {
  services.extensionContext.subscriptions.push(
    registerCommands(services.errors, {
      'kubeMl.openTerminal': {
        operation: 'open a terminal',
        run: (argument?: unknown) => openTerminal(services, argument),
      },
    }),
  );
}
