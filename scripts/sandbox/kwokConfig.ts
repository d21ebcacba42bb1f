// The kwokctl configuration of the sandbox: binary runtime with the locally built binaries (so
// nothing is downloaded), every component on 127.0.0.1, loopback pod and service ranges, and the
// Exec/Logs/PortForward resources as CRDs so the agent can create them per pod at run time.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as yaml from 'js-yaml';
import { SIMULATED_NODE_SELECTOR } from './fixtures';
import { FAKE_TOOLS_DIR, KUBE_VERSION, KWOK_VERSION, LOOPBACK, PORTS, SERVICE_CIDR } from './paths';

export const KWOK_CRDS = [
  'ClusterExec',
  'Exec',
  'ClusterLogs',
  'Logs',
  'ClusterPortForward',
  'PortForward',
];

/**
 * kwok's own default stages, read from the pinned kwok module in the Go module cache, except
 * `pod-complete`: that one finishes Job pods at once, while the sandbox agent finishes them after
 * `sandbox.kube-ml.dev/run-seconds` (see agent/jobRunner.ts).
 */
const KWOK_STAGE_FILES = [
  'kustomize/stage/node/fast/node-initialize.yaml',
  'kustomize/stage/node/heartbeat-with-lease/node-heartbeat-with-lease.yaml',
  'kustomize/stage/pod/fast/pod-ready.yaml',
  'kustomize/stage/pod/fast/pod-delete.yaml',
];

/** Set by the agent once a pod's Exec/Logs/PortForward objects exist (agent/podStandIns.ts). */
export const STAND_INS_READY_ANNOTATION = 'sandbox.kube-ml.dev/stand-ins';

/**
 * A real kubelet reports a container Running only when exec and logs work; `pod-ready` is held
 * back until the agent has created the pod's stand-ins, so the sandbox keeps that promise.
 */
function gatePodReadyOnStandIns(stage: string): string {
  const document = yaml.load(stage) as { spec: { selector: { matchExpressions: object[] } } };
  document.spec.selector.matchExpressions.push({
    key: `.metadata.annotations["${STAND_INS_READY_ANNOTATION}"]`,
    operator: 'In',
    values: ['ready'],
  });
  return yaml.dump(document);
}

export function kwokStageDocuments(): string[] {
  const modCache = execFileSync('go', ['env', 'GOMODCACHE'], { encoding: 'utf8' }).trim();
  const moduleDir = path.join(modCache, `sigs.k8s.io/kwok@${KWOK_VERSION}`);
  return KWOK_STAGE_FILES.map((file) => {
    const full = path.join(moduleDir, file);
    if (!fs.existsSync(full)) {
      throw new Error(
        `kwok stage file missing: ${full} (run scripts/sandbox/build-binaries.sh, which downloads the kwok module)`,
      );
    }
    const stage = fs.readFileSync(full, 'utf8');
    return file.endsWith('/pod-ready.yaml') ? gatePodReadyOnStandIns(stage) : stage;
  });
}

export function kwokctlConfigYaml(
  binDir: string,
  apiServerArgs: readonly { key: string; value: string }[] = [],
): string {
  const bin = (name: string): string => path.join(binDir, name);
  const kwokctlConfiguration = {
    kind: 'KwokctlConfiguration',
    apiVersion: 'config.kwok.x-k8s.io/v1alpha1',
    options: {
      runtime: 'binary',
      kubeVersion: KUBE_VERSION,
      kwokVersion: KWOK_VERSION,
      kubeApiserverBinary: bin('kube-apiserver'),
      kubeControllerManagerBinary: bin('kube-controller-manager'),
      kubeSchedulerBinary: bin('kube-scheduler'),
      etcdBinary: bin('etcd'),
      kwokControllerBinary: bin('kwok'),
      bindAddress: LOOPBACK,
      kubeApiserverPort: PORTS.apiserver,
      etcdPort: PORTS.etcd,
      etcdPeerPort: PORTS.etcdPeer,
      kubeControllerManagerPort: PORTS.controllerManager,
      kubeSchedulerPort: PORTS.scheduler,
      kwokControllerPort: PORTS.kwokController,
      securePort: true,
      kubeAuthorization: true,
      kubeAdmission: true,
      enableCRDs: KWOK_CRDS,
      nodeLeaseDurationSeconds: 40,
      disableQPSLimits: true,
    },
    componentsPatches: [
      {
        name: 'kube-apiserver',
        extraArgs: [
          { key: 'service-cluster-ip-range', value: SERVICE_CIDR },
          { key: 'advertise-address', value: LOOPBACK },
          // A young watch cache accepts a watch from any old resourceVersion until it first
          // evicts an event, so no 410 Gone can be provoked through it on a fresh sandbox.
          // ConfigMaps are served from etcd instead: after compactEtcd() (test/cluster/sandbox.ts)
          // an old resourceVersion answers 410 at once, which the watch-cache relist test needs.
          { key: 'watch-cache-sizes', value: 'configmaps#0' },
          ...apiServerArgs,
        ],
      },
      {
        name: 'kube-controller-manager',
        extraArgs: [{ key: 'service-cluster-ip-range', value: SERVICE_CIDR }],
      },
      {
        name: 'kwok-controller',
        // kwokctl starts kwok with --manage-all-nodes=true, which would take over the real node's
        // kubelet endpoint and fake its pods; kwok manages only the nodes labelled as simulated.
        extraArgs: [
          { key: 'manage-all-nodes', value: 'false', override: true },
          { key: 'manage-nodes-with-label-selector', value: SIMULATED_NODE_SELECTOR },
        ],
        // `kubectl exec pod -- nvidia-smi` is resolved on the kwok controller's own PATH.
        extraEnvs: [
          { name: 'PATH', value: `${FAKE_TOOLS_DIR}:${process.env.PATH ?? '/usr/bin:/bin'}` },
        ],
      },
    ],
  };
  const kwokConfiguration = {
    kind: 'KwokConfiguration',
    apiVersion: 'config.kwok.x-k8s.io/v1alpha1',
    // A KwokConfiguration document replaces kwok's defaults wholesale, so restate the ones it needs.
    options: {
      cidr: '127.64.0.1/16',
      nodeIP: LOOPBACK,
      enableDebuggingHandlers: true,
      enableProfilingHandler: false,
      podPlayStageParallelism: 4,
      nodePlayStageParallelism: 4,
      nodeLeaseParallelism: 4,
      podsOnNodeSyncParallelism: 1,
      enablePodsOnNodeSyncListPager: true,
      enablePodsOnNodeSyncStreamWatch: false,
    },
  };
  return [yaml.dump(kwokctlConfiguration), yaml.dump(kwokConfiguration), ...kwokStageDocuments()]
    .map((doc) => doc.trim())
    .join('\n---\n');
}
