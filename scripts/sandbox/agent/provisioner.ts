// The sandbox's PVC provisioner: every Pending claim of the sandbox StorageClass (or with no class,
// which the default-class admission turns into it) gets a hostPath PV in .sandbox/volumes bound to
// it; deleting the claim deletes the PV and its folder.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { PROVISIONER_NAME, STORAGE_CLASS } from '../fixtures';
import { VOLUMES_DIR } from '../paths';

const CLAIM_UID_LABEL = 'sandbox.kube-ml.dev/claim-uid';

export function volumeFolder(claim: k8s.V1PersistentVolumeClaim): string {
  const uid = claim.metadata?.uid ?? 'unknown';
  return path.join(
    VOLUMES_DIR,
    claim.metadata?.namespace ?? 'default',
    `${claim.metadata?.name}-${uid.slice(0, 8)}`,
  );
}

function volumeName(claim: k8s.V1PersistentVolumeClaim): string {
  return `pvc-${claim.metadata?.uid}`;
}

function isOurs(claim: k8s.V1PersistentVolumeClaim): boolean {
  const provisioner =
    claim.metadata?.annotations?.['volume.kubernetes.io/storage-provisioner'] ??
    claim.metadata?.annotations?.['volume.beta.kubernetes.io/storage-provisioner'];
  return claim.spec?.storageClassName === STORAGE_CLASS || provisioner === PROVISIONER_NAME;
}

export class Provisioner {
  private readonly inFlight = new Set<string>();

  constructor(
    private readonly core: k8s.CoreV1Api,
    private readonly log: (message: string) => void,
  ) {}

  async onClaim(claim: k8s.V1PersistentVolumeClaim): Promise<void> {
    const uid = claim.metadata?.uid;
    if (!uid || claim.spec?.volumeName || claim.status?.phase !== 'Pending' || !isOurs(claim))
      return;
    if (claim.metadata?.deletionTimestamp || this.inFlight.has(uid)) return;
    this.inFlight.add(uid);
    try {
      const folder = volumeFolder(claim);
      fs.mkdirSync(folder, { recursive: true });
      const body: k8s.V1PersistentVolume = {
        metadata: {
          name: volumeName(claim),
          labels: { [CLAIM_UID_LABEL]: uid },
          annotations: { 'pv.kubernetes.io/provisioned-by': PROVISIONER_NAME },
        },
        spec: {
          capacity: { storage: claim.spec?.resources?.requests?.storage ?? '1Gi' },
          accessModes: claim.spec?.accessModes ?? ['ReadWriteOnce'],
          volumeMode: claim.spec?.volumeMode ?? 'Filesystem',
          storageClassName: claim.spec?.storageClassName ?? STORAGE_CLASS,
          // Retain: the agent deletes the folder itself; kube-controller-manager has no hostPath deleter.
          persistentVolumeReclaimPolicy: 'Retain',
          hostPath: { path: folder, type: 'DirectoryOrCreate' },
          claimRef: {
            apiVersion: 'v1',
            kind: 'PersistentVolumeClaim',
            namespace: claim.metadata?.namespace,
            name: claim.metadata?.name,
            uid,
          },
        },
      };
      try {
        await this.core.createPersistentVolume({ body });
        this.log(
          `provisioned ${body.metadata?.name} for ${claim.metadata?.namespace}/${claim.metadata?.name} at ${folder}`,
        );
      } catch (error) {
        if ((error as { code?: number }).code !== 409) throw error;
      }
    } finally {
      this.inFlight.delete(uid);
    }
  }

  async onClaimDeleted(claim: k8s.V1PersistentVolumeClaim): Promise<void> {
    if (!claim.metadata?.uid) return;
    await this.deleteVolume(volumeName(claim), volumeFolder(claim));
  }

  /** Removes volumes whose claim no longer exists (deleted while the agent was down). */
  async reconcile(claims: readonly k8s.V1PersistentVolumeClaim[]): Promise<void> {
    const live = new Set(claims.map((claim) => claim.metadata?.uid));
    const volumes = await this.core.listPersistentVolume({ labelSelector: CLAIM_UID_LABEL });
    for (const volume of volumes.items) {
      const uid = volume.metadata?.labels?.[CLAIM_UID_LABEL];
      if (uid && !live.has(uid))
        await this.deleteVolume(volume.metadata?.name ?? '', volume.spec?.hostPath?.path);
    }
  }

  private async deleteVolume(name: string, folder: string | undefined): Promise<void> {
    try {
      await this.core.deletePersistentVolume({ name });
    } catch (error) {
      if ((error as { code?: number }).code !== 404) throw error;
    }
    if (folder && path.resolve(folder).startsWith(VOLUMES_DIR + path.sep)) {
      fs.rmSync(folder, { recursive: true, force: true });
      try {
        fs.rmdirSync(path.dirname(folder)); // the namespace folder, once its last volume is gone
      } catch {
        // still holds other volumes
      }
      this.log(`deleted volume ${name} and ${folder}`);
    }
  }

  /** The host folder of a bound claim, when it is one of ours. */
  async folderOfClaim(namespace: string, claimName: string): Promise<string | undefined> {
    const claim = await this.core.readNamespacedPersistentVolumeClaim({
      namespace,
      name: claimName,
    });
    const volume = claim.spec?.volumeName;
    if (!volume) return undefined;
    const pv = await this.core.readPersistentVolume({ name: volume });
    return pv.spec?.hostPath?.path;
  }
}
