// Where the sandbox keeps its state and which versions/ports it uses. Everything lives under the
// repo's gitignored `.sandbox/` folder; the built binaries live in a cache outside the repo.
import * as os from 'node:os';
import * as path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
/** KMW_SANDBOX_DIR runs a second, separate sandbox (with KMW_SANDBOX_PORT_BASE), e.g. for scale runs. */
export const SANDBOX_DIR = process.env.KMW_SANDBOX_DIR
  ? path.resolve(process.env.KMW_SANDBOX_DIR)
  : path.join(REPO_ROOT, '.sandbox');
export const KUBECONFIG_PATH = path.join(SANDBOX_DIR, 'kubeconfig');
export const KWOK_WORKDIR = path.join(SANDBOX_DIR, 'kwok');
export const KWOKCTL_KUBECONFIG = path.join(SANDBOX_DIR, 'kwokctl-kubeconfig');
export const KWOKCTL_CONFIG = path.join(SANDBOX_DIR, 'kwokctl.yaml');
export const PODS_DIR = path.join(SANDBOX_DIR, 'pods');
export const VOLUMES_DIR = path.join(SANDBOX_DIR, 'volumes');
export const LOGS_DIR = path.join(SANDBOX_DIR, 'logs');
export const AGENT_PID_FILE = path.join(SANDBOX_DIR, 'agent.pid');
export const AGENT_LOG = path.join(SANDBOX_DIR, 'agent.log');
export const AGENT_READY_FILE = path.join(SANDBOX_DIR, 'agent.ready');
export const STATE_FILE = path.join(SANDBOX_DIR, 'state.json');
export const SUPERVISOR_PID_FILE = path.join(SANDBOX_DIR, 'supervisor.pid');
export const SUPERVISOR_LOG = path.join(SANDBOX_DIR, 'supervisor.log');
export const FAKE_TOOLS_DIR = path.join(REPO_ROOT, 'scripts', 'sandbox', 'bin');
export const BUILD_SCRIPT = path.join(REPO_ROOT, 'scripts', 'sandbox', 'build-binaries.sh');

export const CLUSTER_NAME = 'kube-ml-sandbox';
/** kwokctl's certificates: the CA, and the admin pair the API server also serves with (valid for 127.0.0.1). */
export const PKI_DIR = path.join(KWOK_WORKDIR, 'clusters', CLUSTER_NAME, 'pki');
export const KWOK_VERSION = process.env.KWOK_VERSION ?? 'v0.8.0';
export const KUBE_VERSION = process.env.KUBE_VERSION ?? 'v1.34.4';
export const ETCD_VERSION = process.env.ETCD_VERSION ?? 'v3.6.16';
export const ADMIN_CONTEXT = 'kube-ml-sandbox';
export const DEVELOPER_CONTEXT = 'kube-ml-sandbox-developer';
/** A user who signs in through an exec credential plugin with a device code (scripts/sandbox/login). */
export const SSO_CONTEXT = 'kube-ml-sandbox-sso';
/** A user with `edit` in one namespace and no cluster-scoped read at all. */
export const NAMESPACE_ONLY_CONTEXT = 'kube-ml-sandbox-ns-only';
/** That user's namespace (Pod Security `restricted`, like ml-restricted). */
export const NAMESPACE_ONLY_NAMESPACE = 'ml-solo';
export const SANDBOX_CONTEXTS = [
  ADMIN_CONTEXT,
  DEVELOPER_CONTEXT,
  SSO_CONTEXT,
  NAMESPACE_ONLY_CONTEXT,
] as const;
export const LOOPBACK = '127.0.0.1';
export const POD_CIDR = '127.64.0.0/16';
export const SERVICE_CIDR = '127.96.0.0/16';

export const SIGN_IN_DIR = path.join(SANDBOX_DIR, 'sign-in');

/**
 * Fixed ports (overridable) so that a clash is detected up front with a clear message. All of them
 * sit below Linux's ephemeral range (32768 and up): there, a client connection (the API server's
 * to etcd, say) can hold the port a component binds a moment later.
 */
const PORT_BASE = envPort('KMW_SANDBOX_PORT_BASE', 32700);
export const PORTS = {
  apiserver: envPort('KMW_SANDBOX_API_PORT', PORT_BASE),
  etcd: envPort('KMW_SANDBOX_ETCD_PORT', PORT_BASE + 1),
  etcdPeer: envPort('KMW_SANDBOX_ETCD_PEER_PORT', PORT_BASE + 2),
  controllerManager: envPort('KMW_SANDBOX_KCM_PORT', PORT_BASE + 3),
  scheduler: envPort('KMW_SANDBOX_SCHEDULER_PORT', PORT_BASE + 4),
  kwokController: envPort('KMW_SANDBOX_KWOK_PORT', PORT_BASE + 5),
  /** The agent's sign-in page and device-code endpoints (plain HTTP, as a browser on loopback sees them). */
  signIn: envPort('KMW_SANDBOX_SIGN_IN_PORT', PORT_BASE + 6),
  /** The agent's token authentication webhook (HTTPS), which kube-apiserver asks about bearer tokens. */
  tokenWebhook: envPort('KMW_SANDBOX_TOKEN_WEBHOOK_PORT', PORT_BASE + 7),
};

export const CACHE_DIR =
  process.env.KMW_CACHE ?? path.join(os.homedir(), '.cache', 'kube-ml-workbench');

function envPort(name: string, fallback: number): number {
  const value = process.env[name];
  if (value === undefined || value === '') return fallback;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`${name}=${value} is not a TCP port (1-65535)`);
  }
  return port;
}
