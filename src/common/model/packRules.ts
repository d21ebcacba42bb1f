import ignore from 'ignore';

/** Folders and files never worth shipping to a training pod. */
const CACHE_RULES = [
  '.git/',
  'node_modules/',
  '__pycache__/',
  '.venv/',
  'venv/',
  '.mypy_cache/',
  '.pytest_cache/',
  '.ipynb_checkpoints/',
  'wandb/',
  '.kubeml-cache/',
  '*.pyc',
  '*.pyo',
];

/**
 * Files that hold credentials by convention. Packed code lands in objects others in the
 * namespace may read, and a committed job file runs its command next to them, so they stay
 * home unless .kubemlignore re-includes one with "!name".
 */
export const SECRET_RULES = [
  '.env',
  '.env.*',
  '!.env.example',
  '!.env.sample',
  '.envrc',
  '.aws/',
  '.azure/',
  '.config/gcloud/',
  '.ssh/',
  '.gnupg/',
  '.kube/',
  '.docker/config.json',
  'id_rsa*',
  'id_dsa*',
  'id_ecdsa*',
  'id_ed25519*',
  '*.pem',
  '*.key',
  '*.p12',
  '*.pfx',
  '*.jks',
  '*.keystore',
  '.netrc',
  '_netrc',
  '.npmrc',
  '.pypirc',
  '.git-credentials',
  '.gitconfig',
  '.htpasswd',
  'kubeconfig',
  '*.kubeconfig',
  'kubeconfig.y*ml',
  'credentials',
  'credentials.json',
  'service-account*.json',
  '*.tfstate',
  '*.tfvars',
  '.terraformrc',
  '.vault-token',
  '.huggingface/token',
  '.cache/huggingface/token',
];

export type LeftOutReason = 'secret' | 'ignored';

/** Decides what a packed folder leaves out: caches, secret-looking files, and .kubemlignore (gitignore syntax). */
export interface PackRules {
  /** Why `path` ("/"-separated, relative to the folder) is left out, or undefined when packed. */
  leftOut(path: string, isDirectory: boolean): LeftOutReason | undefined;
}

/** .kubemlignore comes from the repository: a bounded number of bounded lines. */
const MAX_IGNORE_LINES = 1000;
const MAX_IGNORE_LINE_CHARS = 500;

export function packRules(kubemlignore: string): PackRules {
  const userRules = kubemlignore
    .split(/\r?\n/)
    .slice(0, MAX_IGNORE_LINES)
    .filter((line) => line.length <= MAX_IGNORE_LINE_CHARS);
  // One matcher in order, so a "!" line in .kubemlignore can re-include a built-in rule.
  const all = ignore().add(CACHE_RULES).add(SECRET_RULES).add(userRules);
  const secrets = ignore().add(SECRET_RULES);
  return {
    leftOut(path, isDirectory) {
      const candidate = isDirectory ? `${path}/` : path;
      if (!all.ignores(candidate)) return undefined;
      return secrets.ignores(candidate) ? 'secret' : 'ignored';
    },
  };
}
