// The sandbox's single sign-on, as an OIDC provider plus kubelogin would give it: the agent serves a
// device-code login (agent/signIn/) and a token authentication webhook, kube-apiserver asks that
// webhook about every bearer token it does not know itself, and the exec credential plugin
// scripts/sandbox/login/kmw-sandbox-login signs users in. This module holds what the API server's
// configuration, the kubeconfig, the fixtures and the tests share.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as yaml from 'js-yaml';
import { LOOPBACK, PKI_DIR, PORTS, REPO_ROOT, SIGN_IN_DIR } from './paths';

/** Who a signed-in token belongs to, as the webhook reports it. */
export const SSO_USER = 'sso:ml-engineer';
/** The group RBAC grants to (as with an identity provider's groups claim). */
export const SSO_GROUP = 'sso:ml-engineers';
/** Token lifetime when nothing asks for a shorter one: as short-lived as a real provider's. */
export const DEFAULT_TOKEN_TTL_SECONDS = 120;
/** The exec plugin's knob (forwarded to the sign-in server) for tests of expiry that cannot wait 2 minutes. */
export const TOKEN_TTL_ENV = 'KMW_SANDBOX_TOKEN_TTL_SECONDS';
/**
 * kube-apiserver remembers every successful token authentication for 10 s (its fixed
 * TokenSuccessCacheTTL; no flag changes it), so a token it accepted at time t is still accepted
 * until t + 10 s even if it expired before: an expired token gets 401 once both have passed.
 */
export const API_SERVER_TOKEN_CACHE_MS = 10_000;
export const LOGIN_URL_ENV = 'KMW_SANDBOX_LOGIN_URL';
export const LOGIN_PLUGIN = path.join(
  REPO_ROOT,
  'scripts',
  'sandbox',
  'login',
  'kmw-sandbox-login',
);

export const SIGNING_KEY_FILE = path.join(SIGN_IN_DIR, 'signing.key');
const WEBHOOK_KUBECONFIG = path.join(SIGN_IN_DIR, 'token-webhook.kubeconfig');

export function signInUrl(): string {
  return `http://${LOOPBACK}:${PORTS.signIn}`;
}

/**
 * Writes the webhook's kubeconfig and returns the kube-apiserver flags that use it. The webhook
 * serves kwok's admin certificate (valid for 127.0.0.1) and asks for the API server's client
 * certificate; both files exist once kwokctl has made its PKI, before it starts the API server.
 * A webhook cache TTL of 0: an expired token is refused once API_SERVER_TOKEN_CACHE_MS has passed
 * since its last use, not up to the default 2 minutes later.
 */
export function writeTokenWebhookConfig(): { key: string; value: string }[] {
  fs.mkdirSync(SIGN_IN_DIR, { recursive: true });
  fs.writeFileSync(
    WEBHOOK_KUBECONFIG,
    yaml.dump({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        {
          name: 'sandbox-sign-in',
          cluster: {
            server: `https://${LOOPBACK}:${PORTS.tokenWebhook}/authenticate`,
            'certificate-authority': path.join(PKI_DIR, 'ca.crt'),
          },
        },
      ],
      users: [
        {
          name: 'kube-apiserver',
          user: {
            'client-certificate': path.join(PKI_DIR, 'admin.crt'),
            'client-key': path.join(PKI_DIR, 'admin.key'),
          },
        },
      ],
      contexts: [
        { name: 'webhook', context: { cluster: 'sandbox-sign-in', user: 'kube-apiserver' } },
      ],
      'current-context': 'webhook',
    }),
  );
  return [
    { key: 'authentication-token-webhook-config-file', value: WEBHOOK_KUBECONFIG },
    { key: 'authentication-token-webhook-version', value: 'v1' },
    { key: 'authentication-token-webhook-cache-ttl', value: '0s' },
  ];
}
