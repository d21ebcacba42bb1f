import { KubeMlError } from '../errors';
import { pluginName, type ExecPluginConfig } from './execConfig';

/**
 * Whether the plugin runs interactively (gets the user's input), per client-go: Never is never,
 * IfAvailable is when the caller has an interactive surface, Always without one is an error.
 */
export function runsInteractively(
  config: ExecPluginConfig,
  interactiveAvailable: boolean,
): boolean {
  switch (config.interactiveMode) {
    case 'Never':
      return false;
    case 'IfAvailable':
      return interactiveAvailable;
    case 'Always':
      if (!interactiveAvailable) {
        throw new KubeMlError(
          'authPluginFailed',
          `The credential plugin "${pluginName(config)}" of user "${config.userName}" needs interactive input (interactiveMode: Always), and no interactive prompt is available here.`,
          'Sign in where a terminal is available (for example run kubectl once in a terminal), or set interactiveMode to IfAvailable if the plugin can work without input.',
        );
      }
      return true;
  }
}
