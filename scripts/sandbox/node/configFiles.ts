// The real node's configuration files: containerd's (its own root, state and socket under the
// sandbox folder), the CNI bridge inside the node's namespace, the kubelet's, and the API server's
// egress selector that routes its node and pod traffic through our relay.
import * as yaml from 'js-yaml';
import { NODE_KIND_LABEL, POOL_LABEL } from '../fixtures';
import { LOOPBACK } from '../paths';
import {
  BRIDGE,
  CGROUP_ROOT,
  CNI_BIN_DIR,
  CNI_CONF_DIR,
  CNI_LEASES_DIR,
  CONTAINERD_DIR,
  CONTAINERD_SOCKET,
  EGRESS_SOCKET,
  KUBELET_PORT,
  NODE_IP,
  NODE_NAME,
  NODE_SUBNET,
  POD_LOGS_DIR,
} from './layout';

export const NODE_LABELS = { [NODE_KIND_LABEL]: 'real', [POOL_LABEL]: 'real' };
/**
 * Only pods that ask for the real node land there (a nodeSelector on its label and this
 * toleration): every other pod, whose image exists nowhere here, stays on the KWOK nodes.
 */
export const REAL_NODE_TAINT = { key: NODE_KIND_LABEL, value: 'real', effect: 'NoSchedule' };
/** Pod spec fields that put a pod on the real node, and only there: its label and its taint's toleration. */
export const REAL_NODE_PLACEMENT = {
  nodeSelector: { [NODE_KIND_LABEL]: 'real' },
  tolerations: [
    {
      key: REAL_NODE_TAINT.key,
      operator: 'Equal',
      value: REAL_NODE_TAINT.value,
      effect: REAL_NODE_TAINT.effect,
    },
  ],
};

export function containerdConfigToml(pauseImage: string): string {
  const q = JSON.stringify;
  return `version = 2
root = ${q(`${CONTAINERD_DIR}/root`)}
state = ${q(`${CONTAINERD_DIR}/state`)}
plugin_dir = ""

[grpc]
  address = ${q(CONTAINERD_SOCKET)}

[ttrpc]
  address = ${q(`${CONTAINERD_SOCKET}.ttrpc`)}

[plugins."io.containerd.internal.v1.opt"]
  path = ${q(`${CONTAINERD_DIR}/opt`)}

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = ${q(pauseImage)}
  # This VM denies lowering oom_score_adj; without this runc fails every pod sandbox with
  # "can't get final child's PID from pipe: EOF".
  restrict_oom_score_adj = true
  # Pod network namespaces under containerd's state folder, not /run/netns, so down removes them.
  netns_mounts_under_state_dir = true
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"

  [plugins."io.containerd.grpc.v1.cri".containerd]
    default_runtime_name = "runc"
    snapshotter = "overlayfs"

    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"

  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = ${q(CNI_BIN_DIR)}
    conf_dir = ${q(CNI_CONF_DIR)}
    max_conf_num = 1
`;
}

/** A bridge whose gateway address is the node IP, with host-local addresses from the node subnet. */
export function cniConfList(): string {
  return JSON.stringify(
    {
      cniVersion: '1.0.0',
      name: 'kmw-node',
      plugins: [
        {
          type: 'bridge',
          bridge: BRIDGE,
          isGateway: true,
          ipMasq: false,
          hairpinMode: true,
          // Address leases under the node's folder (not /var/lib/cni): `down` removes them with it.
          ipam: {
            type: 'host-local',
            dataDir: CNI_LEASES_DIR,
            ranges: [[{ subnet: NODE_SUBNET, gateway: NODE_IP }]],
            routes: [{ dst: '0.0.0.0/0' }],
          },
        },
        { type: 'portmap', capabilities: { portMappings: true } },
      ],
    },
    null,
    2,
  );
}

export function kubeletConfigYaml(caFile: string): string {
  return yaml.dump({
    apiVersion: 'kubelet.config.k8s.io/v1beta1',
    kind: 'KubeletConfiguration',
    cgroupDriver: 'cgroupfs',
    cgroupRoot: CGROUP_ROOT,
    failCgroupV1: false,
    failSwapOn: false,
    address: NODE_IP,
    port: KUBELET_PORT,
    healthzBindAddress: LOOPBACK,
    readOnlyPort: 0,
    containerRuntimeEndpoint: `unix://${CONTAINERD_SOCKET}`,
    podLogsDir: POD_LOGS_DIR,
    resolvConf: '',
    enforceNodeAllocatable: [],
    evictionHard: {},
    // Images are imported, never pulled: garbage-collecting one would lose it.
    imageGCHighThresholdPercent: 100,
    imageGCLowThresholdPercent: 99,
    serializeImagePulls: false,
    authentication: {
      anonymous: { enabled: false },
      webhook: { enabled: true },
      x509: { clientCAFile: caFile },
    },
    authorization: { mode: 'Webhook' },
    registerWithTaints: [REAL_NODE_TAINT],
  });
}

export function kubeletArgs(configFile: string, kubeconfig: string, rootDir: string): string[] {
  return [
    `--config=${configFile}`,
    `--kubeconfig=${kubeconfig}`,
    `--root-dir=${rootDir}`,
    `--hostname-override=${NODE_NAME}`,
    `--node-ip=${NODE_IP}`,
    `--node-labels=${Object.entries(NODE_LABELS)
      .map(([key, value]) => `${key}=${value}`)
      .join(',')}`,
  ];
}

/** kube-apiserver dials nodes and pods ("cluster" traffic) through the host-side relay. */
export function egressSelectorYaml(): string {
  return yaml.dump({
    apiVersion: 'apiserver.k8s.io/v1beta1',
    kind: 'EgressSelectorConfiguration',
    egressSelections: [
      {
        name: 'cluster',
        connection: {
          proxyProtocol: 'HTTPConnect',
          transport: { uds: { udsName: EGRESS_SOCKET } },
        },
      },
    ],
  });
}
