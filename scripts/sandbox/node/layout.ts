// Where the real node keeps its files and which addresses it uses. Its network lives in a network
// namespace the sandbox creates (`kmw-<API port>`): the node IP is the pod bridge's gateway there,
// and pod IPs come from the bridge's subnet. Nothing on this machine's own interfaces changes.
import * as path from 'node:path';
import { PORTS, SANDBOX_DIR } from '../paths';

export const NODE_DIR = path.join(SANDBOX_DIR, 'node');
export const NODE_NAME = 'real-0';
export const NETNS = `kmw-${PORTS.apiserver}`;
export const NETNS_PATH = `/run/netns/${NETNS}`;
/** The node's subnet inside the namespace: .1 is the bridge (node IP, pods' gateway), pods get the rest. */
export const NODE_SUBNET = '10.233.0.0/24'; // exists only inside the sandbox's netns kmw-<port>
export const NODE_IP = '10.233.0.1'; // the bridge inside the netns, on no host interface
export const BRIDGE = 'kmw0';
export const KUBELET_PORT = 10250;
/** The kubelet's cgroups (and so every pod's) live under this parent in each hierarchy; `down` empties it. */
export const CGROUP_ROOT = `/${NETNS}`;

export const NODE_PIDS_DIR = path.join(NODE_DIR, 'pids');
export const NODE_LOGS_DIR = path.join(NODE_DIR, 'logs');
export const NODE_LAUNCH_FILE = path.join(NODE_DIR, 'launch.json');
export const CONTAINERD_DIR = path.join(NODE_DIR, 'containerd');
export const CONTAINERD_SOCKET = path.join(CONTAINERD_DIR, 'containerd.sock');
export const CONTAINERD_CONFIG = path.join(CONTAINERD_DIR, 'config.toml');
export const CNI_CONF_DIR = path.join(NODE_DIR, 'cni');
export const CNI_LEASES_DIR = path.join(NODE_DIR, 'cni-leases');
export const CNI_BIN_DIR = process.env.KMW_CNI_BIN_DIR ?? '/usr/lib/cni';
export const KUBELET_DIR = path.join(NODE_DIR, 'kubelet');
export const KUBELET_CONFIG = path.join(NODE_DIR, 'kubelet-config.yaml');
export const KUBELET_KUBECONFIG = path.join(NODE_DIR, 'kubelet-kubeconfig');
export const POD_LOGS_DIR = path.join(NODE_DIR, 'pod-logs');
/** The API server's egress for node and pod traffic (HTTP CONNECT), served by the host-side relay. */
export const EGRESS_SOCKET = path.join(NODE_DIR, 'egress.sock');
export const EGRESS_CONFIG = path.join(NODE_DIR, 'egress-selector.yaml');
/** The relay inside the namespace: dials node and pod addresses there (HTTP CONNECT). */
export const NODE_DIAL_SOCKET = path.join(NODE_DIR, 'node-dial.sock');
/** The host-side end of the kubelet's way to the API server. */
export const API_SOCKET = path.join(NODE_DIR, 'apiserver.sock');
