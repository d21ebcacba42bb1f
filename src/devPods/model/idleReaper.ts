import type { V1CronJob, V1Role, V1RoleBinding, V1ServiceAccount } from '@kubernetes/client-node';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE } from '../../cluster/workloadRef';
import {
  DEV_POD_LABEL,
  IDLE_MINUTES_ANNOTATION,
  LAST_ACTIVITY_ANNOTATION,
  STOPPED_AT_ANNOTATION,
  STOPPED_REASON_ANNOTATION,
} from '../../cluster/devPodContract';
import {
  restrictedContainerSecurityContext,
  restrictedPodSecurityContext,
} from '../../cluster/podSecurity';

/** The reaper needs no files of its own: it runs as nobody. */
const NOBODY_UID = 65534;

/**
 * Idle shutdown that works with VS Code closed: one CronJob per namespace stops dev pods whose
 * last-activity annotation is older than their idle-minutes annotation (the rules of
 * idlePolicy.decideIdle). Its script is plain POSIX sh + curl against the API server with the
 * pod's own ServiceAccount token: no kubectl, no jq, so a ~10 MB curl image suffices. The API
 * server pretty-prints JSON for curl, hence the optional spaces in the patterns.
 */
export const IDLE_REAPER_NAME = 'kube-ml-devpod-idle-reaper';
export const IDLE_REAPER_IMAGE = 'curlimages/curl:8.10.1';
export const IDLE_REAPER_SCHEDULE = '*/5 * * * *';

/**
 * The reaper script. KUBE_ML_API, KUBE_ML_TOKEN_FILE, KUBE_ML_CA_FILE and KUBE_ML_NAMESPACE
 * override the in-cluster defaults so tests can run the very same script against a cluster.
 * Mirrors decideIdle: idle-minutes must be a positive whole number, else the pod is left alone;
 * idleness counts from the later of last-activity and the pod's start.
 */
export const IDLE_REAPER_SCRIPT = `set -eu
SA=/var/run/secrets/kubernetes.io/serviceaccount
API="\${KUBE_ML_API:-https://kubernetes.default.svc}"
TOKEN_FILE="\${KUBE_ML_TOKEN_FILE:-$SA/token}"
CA_FILE="\${KUBE_ML_CA_FILE:-$SA/ca.crt}"
NS="\${KUBE_ML_NAMESPACE:-$(cat $SA/namespace)}"
api() { curl -sS --fail --cacert "$CA_FILE" -H "Authorization: Bearer $(cat "$TOKEN_FILE")" "$@"; }
field() { grep -o "\\"$1\\": *\\"[^\\"]*\\"" | head -n 1 | cut -d '"' -f 4; }
to_epoch() {
  t=$(echo "$1" | sed -e 's/\\.[0-9]*//' -e 's/Z$//' -e 's/T/ /')
  date -u -d "$t" +%s 2>/dev/null || date -u -D '%Y-%m-%d %H:%M:%S' -d "$t" +%s
}
now=$(date -u +%s)
stamp=$(date -u +%Y-%m-%dT%H:%M:%SZ)
names=$(api "$API/api/v1/namespaces/$NS/pods?labelSelector=${MANAGED_BY_LABEL.replace('/', '%2F')}%3D${MANAGED_BY_VALUE},${DEV_POD_LABEL.replace('/', '%2F')}" | grep -o '"${DEV_POD_LABEL}": *"[^"]*"' | cut -d '"' -f 4 | sort -u)
for name in $names; do
  pod=$(api "$API/api/v1/namespaces/$NS/pods/$name") || continue
  minutes=$(echo "$pod" | field '${IDLE_MINUTES_ANNOTATION}')
  case "$minutes" in ''|*[!0-9]*) continue ;; esac
  [ "$minutes" -gt 0 ] || continue
  last=0
  for t in "$(echo "$pod" | field '${LAST_ACTIVITY_ANNOTATION}')" "$(echo "$pod" | field startTime)" "$(echo "$pod" | field creationTimestamp)"; do
    [ -n "$t" ] || continue
    e=$(to_epoch "$t") || continue
    if [ "$e" -gt "$last" ]; then last=$e; fi
  done
  [ "$last" -gt 0 ] || continue
  idle=$((now - last))
  if [ "$idle" -ge $((minutes * 60)) ]; then
    echo "stopping dev pod $NS/$name: idle for $((idle / 60)) min, limit $minutes min"
    api -X PATCH -H 'Content-Type: application/merge-patch+json' \\
      -d "{\\"metadata\\":{\\"annotations\\":{\\"${STOPPED_AT_ANNOTATION}\\":\\"$stamp\\",\\"${STOPPED_REASON_ANNOTATION}\\":\\"idle for $((idle / 60)) min\\"}}}" \\
      "$API/api/v1/namespaces/$NS/persistentvolumeclaims/$name-workspace" >/dev/null || echo "note: could not mark the workspace volume of $name as stopped"
    api -X DELETE "$API/api/v1/namespaces/$NS/pods/$name" >/dev/null
  else
    echo "keeping dev pod $NS/$name: idle for $((idle / 60)) min, limit $minutes min"
  fi
done
`;

function metadata(namespace: string) {
  return { name: IDLE_REAPER_NAME, namespace, labels: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE } };
}

export function idleReaperServiceAccount(namespace: string): V1ServiceAccount {
  return { apiVersion: 'v1', kind: 'ServiceAccount', metadata: metadata(namespace) };
}

/** Least privilege: read and delete pods, mark workspace volumes as stopped; nothing else. */
export function idleReaperRole(namespace: string): V1Role {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: metadata(namespace),
    rules: [
      { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'delete'] },
      { apiGroups: [''], resources: ['persistentvolumeclaims'], verbs: ['get', 'patch'] },
    ],
  };
}

export function idleReaperRoleBinding(namespace: string): V1RoleBinding {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: metadata(namespace),
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: IDLE_REAPER_NAME },
    subjects: [{ kind: 'ServiceAccount', name: IDLE_REAPER_NAME, namespace }],
  };
}

export function idleReaperCronJob(namespace: string): V1CronJob {
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: metadata(namespace),
    spec: {
      schedule: IDLE_REAPER_SCHEDULE,
      concurrencyPolicy: 'Forbid',
      startingDeadlineSeconds: 240,
      successfulJobsHistoryLimit: 1,
      failedJobsHistoryLimit: 1,
      jobTemplate: {
        metadata: { labels: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE } },
        spec: {
          backoffLimit: 0,
          activeDeadlineSeconds: 120,
          ttlSecondsAfterFinished: 600,
          template: {
            metadata: {
              labels: {
                [MANAGED_BY_LABEL]: MANAGED_BY_VALUE,
                'kube-ml.dev/component': 'idle-reaper',
              },
            },
            spec: {
              serviceAccountName: IDLE_REAPER_NAME,
              restartPolicy: 'Never',
              securityContext: restrictedPodSecurityContext(NOBODY_UID),
              containers: [
                {
                  name: 'reaper',
                  image: IDLE_REAPER_IMAGE,
                  command: ['/bin/sh', '-c', IDLE_REAPER_SCRIPT],
                  resources: {
                    requests: { cpu: '10m', memory: '16Mi' },
                    limits: { memory: '64Mi' },
                  },
                  securityContext: {
                    ...restrictedContainerSecurityContext(),
                    readOnlyRootFilesystem: true,
                  },
                },
              ],
            },
          },
        },
      },
    },
  };
}

/** What the reaper needs, in apply order, with the permission each needs. */
export function idleReaperObjects(namespace: string) {
  return [
    { resource: 'serviceaccounts', group: '', object: idleReaperServiceAccount(namespace) },
    { resource: 'roles', group: 'rbac.authorization.k8s.io', object: idleReaperRole(namespace) },
    {
      resource: 'rolebindings',
      group: 'rbac.authorization.k8s.io',
      object: idleReaperRoleBinding(namespace),
    },
    { resource: 'cronjobs', group: 'batch', object: idleReaperCronJob(namespace) },
  ] as const;
}
