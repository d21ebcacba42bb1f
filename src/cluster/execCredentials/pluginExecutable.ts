import * as fs from 'node:fs';
import * as path from 'node:path';
import { KubeMlError } from '../errors';
import { displayText } from './displayText';

const INSTALL_HINTS: Record<string, string> = {
  aws: 'Install the AWS CLI v2 (it provides "aws eks get-token").',
  'aws-iam-authenticator':
    'Install aws-iam-authenticator, or switch the kubeconfig to "aws eks get-token".',
  'gke-gcloud-auth-plugin':
    'Run "gcloud components install gke-gcloud-auth-plugin" (or install the google-cloud-cli-gke-gcloud-auth-plugin package).',
  kubelogin: 'Install kubelogin ("az aks install-cli" installs it with kubectl).',
};

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/**
 * The executable `command` would run: a path (it has a separator) as is, a bare name searched on
 * PATH like execvp; undefined when absent. Relative paths were made absolute against their
 * kubeconfig file when it was read.
 */
export function findExecutable(
  command: string,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  if (command.includes('/') || command.includes(path.sep)) {
    const file = path.resolve(command);
    return isExecutable(file) ? file : undefined;
  }
  const extensions =
    process.platform === 'win32' ? (env.PATHEXT ?? '.EXE;.CMD;.BAT').split(';') : [''];
  for (const dir of (env.PATH ?? env.Path ?? '').split(path.delimiter).filter(Boolean)) {
    for (const extension of extensions) {
      const file = path.join(dir, command + extension);
      if (isExecutable(file)) {
        return file;
      }
    }
  }
  return undefined;
}

/**
 * client-go resolves an exec command that contains a path separator against the directory of the
 * kubeconfig file naming it; a bare name stays a PATH lookup.
 */
export function commandRelativeTo(command: string, kubeconfigDir: string): string {
  return command.includes(path.sep) && !path.isAbsolute(command)
    ? path.join(kubeconfigDir, command)
    : command;
}

/** A kubeconfig installHint made display-safe (client-go strips its escape codes too); undefined when blank. */
export function installHintText(raw: unknown): string | undefined {
  return typeof raw === 'string'
    ? displayText(raw.replace(/\s+/g, ' ')).trim() || undefined
    : undefined;
}

/** "gke-gcloud-auth-plugin is not installed", with the kubeconfig's installHint or a known one. */
export function pluginMissingError(
  who: string,
  command: string,
  installHint: string | undefined,
  env: NodeJS.ProcessEnv,
): KubeMlError {
  const plugin = path.basename(command);
  const hint =
    installHint || INSTALL_HINTS[plugin] || `Install "${plugin}" or add its folder to PATH.`;
  return new KubeMlError(
    'authPluginMissing',
    `${who} authenticates with the exec plugin "${plugin}", which is not installed or not on PATH.`,
    `${hint} Then reload (Kube ML: Refresh); VS Code must see it on PATH (restart VS Code if you changed PATH).`,
    `exec command "${command}" not found on PATH=${env.PATH ?? ''}`,
  );
}
