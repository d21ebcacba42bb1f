import type { V1PodSecurityContext, V1SecurityContext } from '@kubernetes/client-node';

/**
 * What the "restricted" Pod Security Standard asks of every pod we create, in one place:
 * non-root, no privilege escalation, no capabilities, the runtime's seccomp profile.
 */
export const RESTRICTED_UID = 1000;

export function restrictedPodSecurityContext(uid = RESTRICTED_UID): V1PodSecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: uid,
    runAsGroup: uid,
    fsGroup: uid,
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

export function restrictedContainerSecurityContext(): V1SecurityContext {
  return {
    runAsNonRoot: true,
    allowPrivilegeEscalation: false,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/**
 * The pod's context: restricted, or (for images that need root) root allowed but still under the
 * runtime's seccomp profile. Turning restriction off is about the user id, not about dropping the rest.
 */
export function podSecurityContext(
  restricted: boolean,
  uid = RESTRICTED_UID,
): V1PodSecurityContext {
  return restricted
    ? restrictedPodSecurityContext(uid)
    : { seccompProfile: { type: 'RuntimeDefault' } };
}

/** The container's context: restricted, or root allowed without privilege escalation (no setuid gains). */
export function containerSecurityContext(restricted: boolean): V1SecurityContext {
  return restricted ? restrictedContainerSecurityContext() : { allowPrivilegeEscalation: false };
}
