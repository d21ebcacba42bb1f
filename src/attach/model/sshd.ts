/** Port our sshd listens on inside the pod: unprivileged, so a non-root (PSS restricted) pod can bind it. */
export const POD_SSHD_PORT = 2222;

/** Exit code of the start script when the image has no sshd. */
export const NO_SSHD_EXIT = 127;

/**
 * Starts an sshd as the pod's user, on 127.0.0.1:$2 inside the pod, trusting the public key $1.
 * Prints the sshd's host public key ("hostkey <type> <key>"), which the ssh entry then pins; the key
 * lives in the workspace folder, so it stays the same when the dev pod is recreated.
 * Fixed text: the key and port arrive as argv entries, never spliced into the script.
 * As root (pods that opt out of restricted security), sshd needs its privilege-separation folder
 * /run/sshd, which images rarely ship (the package makes it only when its service starts).
 */
export const START_SSHD_SCRIPT = `pub=$1 port=$2
sshd=$(command -v sshd 2>/dev/null) || { [ -x /usr/sbin/sshd ] && sshd=/usr/sbin/sshd; } || { echo "kubeml: the image has no sshd" >&2; exit ${NO_SSHD_EXIT}; }
dir="\${HOME:-/tmp}/.kube-ml/ssh"
mkdir -p "$dir" 2>/dev/null || dir=/tmp/kube-ml-ssh
mkdir -p "$dir" && chmod 700 "$dir" || exit 1
[ -f "$dir/host_key" ] || ssh-keygen -q -t ed25519 -N '' -f "$dir/host_key" >/dev/null || { echo "kubeml: ssh-keygen failed" >&2; exit 1; }
grep -qxF "$pub" "$dir/authorized_keys" 2>/dev/null || printf '%s\\n' "$pub" >> "$dir/authorized_keys"
chmod 600 "$dir/authorized_keys"
if [ "$(id -u)" = 0 ] && [ ! -d /run/sshd ]; then mkdir -p -m 755 /run/sshd || { echo "kubeml: cannot create /run/sshd" >&2; exit 1; }; fi
hostkey=$(cat "$dir/host_key.pub" 2>/dev/null || ssh-keygen -y -f "$dir/host_key") || { echo "kubeml: cannot read the host key" >&2; exit 1; }
echo "hostkey $hostkey"
if [ -f "$dir/sshd.pid" ] && kill -0 "$(cat "$dir/sshd.pid")" 2>/dev/null; then echo "running $(id -un)"; exit 0; fi
"$sshd" -f /dev/null -h "$dir/host_key" -p "$port" -o ListenAddress=127.0.0.1 -o PidFile="$dir/sshd.pid" -o AuthorizedKeysFile="$dir/authorized_keys" -o PasswordAuthentication=no -o KbdInteractiveAuthentication=no -o StrictModes=no -o UsePAM=no -E "$dir/sshd.log" || { echo "kubeml: sshd did not start: $(tail -n 3 "$dir/sshd.log" 2>/dev/null)" >&2; exit 1; }
echo "started $(id -un)"`;

/** The user sshd runs as, from the script's last line ("started alice"). */
export function sshUserFromOutput(output: string): string | undefined {
  return /(?:started|running) (\S+)\s*$/.exec(output.trim())?.[1];
}

/** The sshd's host public key ("ssh-ed25519 AAAA..."), from the script's "hostkey" line. */
export function hostKeyFromOutput(output: string): string | undefined {
  return /^hostkey (\S+ \S+)/m.exec(output)?.[1];
}

/** The Dev Containers authority for attaching to a Kubernetes container (hex-encoded JSON). */
export function devContainersAuthority(target: {
  contextName: string;
  namespace: string;
  pod: string;
  container: string;
}): string {
  const setting = {
    settingType: 'pod',
    podname: target.pod,
    name: target.container,
    namespace: target.namespace,
    context: target.contextName,
  };
  return `k8s-container+${Buffer.from(JSON.stringify(setting), 'utf8').toString('hex')}`;
}
