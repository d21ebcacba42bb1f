// Per-pod stand-ins: a working folder (the first PVC's folder, so files survive pod recreation, or
// a per-pod folder), kwok Exec/Logs/PortForward objects pointing at local processes, files and
// servers, a growing training log, listeners on the pod's loopback IP, and the Job-pod timer.
import * as fs from 'node:fs';
import type * as http from 'node:http';
import * as path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { FAKE_TOOLS_DIR, LOGS_DIR, PODS_DIR, SANDBOX_DIR } from '../paths';
import { gpuModelOf, requestedGpus } from './gpuInfo';
import { containerEnv, type KeyLookup } from './podEnv';
import { containerToRestart, restartedStatusPatch } from './containerRestart';
import { finishJobPod, isJobPod, msUntilFinish } from './jobRunner';
import {
  KWOK_GROUP,
  KWOK_VERSION,
  PLURALS,
  execObject,
  logsObject,
  mergedPortForwardSpec,
  portForwardObject,
  type KwokObject,
} from './kwokObjects';
import { POD_SSHD_BIN_DIR, sshForwardTargets, stopPodSshds, stopSshdOfPod } from './podSshd';
import type { Provisioner } from './provisioner';
import { STAND_INS_READY_ANNOTATION } from '../kwokConfig';
import { TrainingLogWriter } from './trainingLog';
import { closeServers, listenOnPodIp } from './webServers';

const POD_CIDR_PREFIX = '127.64.';

interface PodState {
  uid: string;
  namespace: string;
  name: string;
  ownFolder: string;
  logFolder: string;
  writers: Map<string, TrainingLogWriter>;
  /** restartCount each container reached through the agent's own restarts (see containerRestart.ts). */
  restartsDone: Map<string, number>;
  podIp?: string;
  podIpServers: http.Server[];
  jobTimer?: NodeJS.Timeout;
  finished: boolean;
  objectsReady: boolean;
  execHasStatus: boolean;
  workDir?: string;
}

export interface StandInDeps {
  core: k8s.CoreV1Api;
  custom: k8s.CustomObjectsApi;
  provisioner: Provisioner;
  forwardTargets: Map<number, { address: string; port: number }>;
  /** Asked per pod: with OpenSSH's sshd installed, pods' PATH gets the sshd that listens on the pod IP (podSshd.ts). */
  sshdInstalled: () => boolean;
  nodeOf: (name: string) => Promise<k8s.V1Node | undefined>;
  /** Resolves once kwok serves exec and logs of the pod (standInProbe.ts). */
  standInsServed: (pod: k8s.V1Pod) => Promise<void>;
  log: (message: string) => void;
}

const podKey = (pod: k8s.V1Pod): string => pod.metadata?.uid ?? '';

/**
 * A pod instance's own folder, as a container's filesystem is its own: a pod recreated under the
 * same name gets a new one, so the old instance's cleanup, which may run after the new instance
 * started, never removes the new one's working folder.
 */
const podFolder = (namespace: string, name: string, uid: string): string =>
  path.join(PODS_DIR, namespace, `${name}_${uid}`);

function safeReaddir(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}

export class PodStandIns {
  private readonly pods = new Map<string, PodState>();
  private readonly ticker: NodeJS.Timeout;

  constructor(private readonly deps: StandInDeps) {
    this.ticker = setInterval(() => this.advanceLogs(), 500);
  }

  dispose(): void {
    clearInterval(this.ticker);
    for (const state of this.pods.values()) this.release(state);
    this.logStoppedSshds(
      stopPodSshds((_podIp, commandLine) => commandLine.includes(`${SANDBOX_DIR}/`)),
    );
  }

  get count(): number {
    return this.pods.size;
  }

  async onPod(pod: k8s.V1Pod): Promise<void> {
    const uid = podKey(pod);
    if (!uid || !pod.spec?.nodeName) return;
    let state = this.pods.get(uid);
    if (!state) {
      state = this.track(pod);
    }
    const phase = pod.status?.phase;
    // Created as soon as the pod is scheduled, so logs/exec work the moment it turns Running;
    // the Exec object is rebuilt once the pod IP (a downward-API input) is known.
    if (!state.objectsReady) {
      try {
        await this.createObjects(pod, state);
        await this.deps.standInsServed(pod);
        await this.markStandInsReady(pod);
      } catch (error) {
        // The pod stays Pending until its stand-ins exist, so a failure must not wait for the
        // pod's next event, which may never come: try again shortly.
        const retried = state;
        setTimeout(() => {
          if (this.pods.get(uid) === retried)
            void this.onPod(pod).catch((retryError: unknown) =>
              this.deps.log(`${retried.namespace}/${retried.name}: ${String(retryError)}`),
            );
        }, 1000).unref();
        throw error;
      }
      state.objectsReady = true;
      state.execHasStatus = Boolean(pod.status?.podIP);
    } else if (!state.execHasStatus && pod.status?.podIP) {
      state.execHasStatus = true;
      await Promise.all([
        this.execObjectFor(pod, state).then((exec) => this.upsert(exec)),
        this.upsert(this.portForwardObjectFor(pod)),
      ]);
    }
    if (phase === 'Running' && pod.status?.podIP && !state.podIp) {
      state.podIp = pod.status.podIP;
      if (state.podIp.startsWith(POD_CIDR_PREFIX)) {
        state.podIpServers = await listenOnPodIp(state.podIp, (message) =>
          this.deps.log(`${pod.metadata?.namespace}/${pod.metadata?.name}: ${message}`),
        );
        if (!this.pods.has(uid)) closeServers(state.podIpServers); // deleted while binding
      }
    }
    if (phase === 'Running' && isJobPod(pod) && !state.jobTimer && !state.finished) {
      state.jobTimer = setTimeout(() => this.finishJob(pod, state), msUntilFinish(pod));
    }
    if (phase === 'Running' && !state.finished) await this.restartIfAsked(pod, state);
    if ((phase === 'Succeeded' || phase === 'Failed') && !state.finished) {
      state.finished = true;
      this.stopPodIpServers(state);
      this.stopSshdOf(state, pod.status?.podIP ?? state.podIp);
    }
  }

  onPodDeleted(pod: k8s.V1Pod): void {
    const state = this.pods.get(podKey(pod));
    if (!state) return;
    this.pods.delete(state.uid);
    this.release(state);
    this.stopSshdOf(state, pod.status?.podIP ?? state.podIp);
    fs.rmSync(state.ownFolder, { recursive: true, force: true });
    fs.rmSync(state.logFolder, { recursive: true, force: true });
    // The Exec/Logs/PortForward objects are owned by the pod: the garbage collector removes them.
  }

  /** Removes folders, logs and sshds of pods deleted while the agent was not running. */
  removeLeftovers(livePods: readonly k8s.V1Pod[]): void {
    const liveIps = new Set(
      livePods.filter((pod) => pod.status?.phase === 'Running').map((pod) => pod.status?.podIP),
    );
    this.logStoppedSshds(
      stopPodSshds(
        (podIp, commandLine) => commandLine.includes(`${SANDBOX_DIR}/`) && !liveIps.has(podIp),
      ),
    );
    const liveFolders = new Set(
      livePods.map((pod) =>
        podFolder(pod.metadata?.namespace ?? '', pod.metadata?.name ?? '', podKey(pod)),
      ),
    );
    const liveLogs = new Set(
      livePods.map(
        (pod) => `${pod.metadata?.namespace}_${pod.metadata?.name}_${pod.metadata?.uid}`,
      ),
    );
    for (const namespace of safeReaddir(PODS_DIR)) {
      for (const name of safeReaddir(path.join(PODS_DIR, namespace))) {
        const folder = path.join(PODS_DIR, namespace, name);
        if (!liveFolders.has(folder)) fs.rmSync(folder, { recursive: true, force: true });
      }
      if (safeReaddir(path.join(PODS_DIR, namespace)).length === 0)
        fs.rmSync(path.join(PODS_DIR, namespace), { recursive: true, force: true });
    }
    for (const entry of safeReaddir(LOGS_DIR)) {
      if (!liveLogs.has(entry))
        fs.rmSync(path.join(LOGS_DIR, entry), { recursive: true, force: true });
    }
  }

  private track(pod: k8s.V1Pod): PodState {
    const namespace = pod.metadata?.namespace ?? 'default';
    const name = pod.metadata?.name ?? '';
    const state: PodState = {
      uid: podKey(pod),
      namespace,
      name,
      ownFolder: podFolder(namespace, name, podKey(pod)),
      logFolder: path.join(LOGS_DIR, `${namespace}_${name}_${podKey(pod)}`),
      writers: new Map(),
      restartsDone: new Map(),
      podIpServers: [],
      finished: false,
      objectsReady: false,
      execHasStatus: false,
    };
    this.pods.set(state.uid, state);
    return state;
  }

  private async workDirOf(pod: k8s.V1Pod, state: PodState): Promise<string> {
    const claim = (pod.spec?.volumes ?? []).find((volume) => volume.persistentVolumeClaim)
      ?.persistentVolumeClaim?.claimName;
    if (claim) {
      try {
        const folder = await this.deps.provisioner.folderOfClaim(state.namespace, claim);
        if (folder) {
          fs.mkdirSync(folder, { recursive: true });
          return folder;
        }
      } catch (error) {
        this.deps.log(
          `${state.namespace}/${state.name}: claim ${claim} has no folder yet (${(error as Error).message}); using the pod folder`,
        );
      }
    }
    fs.mkdirSync(state.ownFolder, { recursive: true });
    return state.ownFolder;
  }

  private async execObjectFor(pod: k8s.V1Pod, state: PodState): Promise<KwokObject> {
    state.workDir ??= await this.workDirOf(pod, state);
    const workDir = state.workDir;
    const node = await this.deps.nodeOf(pod.spec?.nodeName ?? '');
    const gpuModel = gpuModelOf(node);
    const containers = pod.spec?.containers ?? [];
    const lookup: KeyLookup = async (kind, name, key) => {
      try {
        if (kind === 'configMap')
          return (
            await this.deps.core.readNamespacedConfigMap({ namespace: state.namespace, name })
          ).data?.[key];
        const data = (
          await this.deps.core.readNamespacedSecret({ namespace: state.namespace, name })
        ).data?.[key];
        return data === undefined ? undefined : Buffer.from(data, 'base64').toString('utf8');
      } catch {
        return undefined;
      }
    };
    const declaredEnvs = await Promise.all(
      containers.map((container) => containerEnv(pod, container, lookup)),
    );
    return execObject(
      pod,
      containers.map((container, index) => ({
        container: container.name,
        workDir,
        env: {
          ...Object.fromEntries(declaredEnvs[index]),
          HOME: workDir,
          PATH: [
            ...(this.deps.sshdInstalled() ? [POD_SSHD_BIN_DIR] : []),
            FAKE_TOOLS_DIR,
            process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
          ].join(':'),
          TERM: 'xterm-256color',
          PS1: `${state.name}:\\w\\$ `,
          POD_NAME: state.name,
          POD_IP: pod.status?.podIP ?? '',
          POD_NAMESPACE: state.namespace,
          NODE_NAME: pod.spec?.nodeName ?? '',
          KMW_GPU_COUNT: String(requestedGpus(container)),
          KMW_GPU_NAME: gpuModel.name,
          KMW_GPU_MEMORY_MIB: String(gpuModel.memoryMiB),
          KMW_GPU_SEED: state.uid.slice(0, 8),
        },
      })),
    );
  }

  private async createObjects(pod: k8s.V1Pod, state: PodState): Promise<void> {
    const containers = pod.spec?.containers ?? [];
    fs.mkdirSync(state.logFolder, { recursive: true });
    const logs = containers.map((container) => ({
      container: container.name,
      logsFile: path.join(state.logFolder, `${container.name}.log`),
      previousLogsFile: path.join(state.logFolder, `${container.name}.previous.log`),
    }));
    const elapsedSeconds = pod.status?.startTime
      ? (Date.now() - new Date(pod.status.startTime).getTime()) / 1000
      : 0;
    for (const [index, entry] of logs.entries()) {
      const startStep = Math.max(0, Math.floor(elapsedSeconds * 2) * 5);
      state.writers.set(
        entry.container,
        TrainingLogWriter.create(
          entry.logsFile,
          entry.previousLogsFile,
          state.name,
          requestedGpus(containers[index]),
          startStep,
        ),
      );
    }
    await Promise.all([
      this.execObjectFor(pod, state).then((exec) => this.upsert(exec)),
      this.upsert(logsObject(pod, logs)),
      this.upsert(this.portForwardObjectFor(pod)),
    ]);
  }

  /** The shared servers' ports, plus the ssh ports on the pod's own IP once it has one. */
  private portForwardObjectFor(pod: k8s.V1Pod): KwokObject {
    return portForwardObject(
      pod,
      new Map([...this.deps.forwardTargets, ...sshForwardTargets(pod.status?.podIP)]),
    );
  }

  private stopSshdOf(state: PodState, podIp: string | undefined): void {
    if (podIp) this.logStoppedSshds(stopSshdOfPod(podIp, state.workDir ?? SANDBOX_DIR));
  }

  private logStoppedSshds(podIps: string[]): void {
    for (const podIp of podIps)
      this.deps.log(`stopped the sshd of pod IP ${podIp} and its sessions`);
  }

  /** Lets kwok's pod-ready stage proceed (see kwokConfig.ts): exec and logs now work. */
  private async markStandInsReady(pod: k8s.V1Pod): Promise<void> {
    if (pod.metadata?.annotations?.[STAND_INS_READY_ANNOTATION] === 'ready') return;
    // Read the live pod: adding a whole annotations map to a stale copy would drop newer keys.
    const live = await this.deps.core.readNamespacedPod({
      name: pod.metadata?.name ?? '',
      namespace: pod.metadata?.namespace ?? '',
    });
    if (
      live.metadata?.uid !== pod.metadata?.uid ||
      live.metadata?.annotations?.[STAND_INS_READY_ANNOTATION] === 'ready'
    )
      return;
    const patch = live.metadata?.annotations
      ? [
          {
            op: 'add',
            path: `/metadata/annotations/${STAND_INS_READY_ANNOTATION.replace('/', '~1')}`,
            value: 'ready',
          },
        ]
      : [
          {
            op: 'add',
            path: '/metadata/annotations',
            value: { [STAND_INS_READY_ANNOTATION]: 'ready' },
          },
        ];
    await this.deps.core.patchNamespacedPod({
      name: pod.metadata?.name ?? '',
      namespace: pod.metadata?.namespace ?? '',
      body: patch,
    });
  }

  /**
   * Create, or replace when it exists (the agent restarted and its server ports changed, or a
   * recreated pod of the same name finds its predecessor's object not yet garbage-collected,
   * which the collector may remove between our two calls: then create again).
   */
  private async upsert(object: KwokObject): Promise<void> {
    const target = {
      group: KWOK_GROUP,
      version: KWOK_VERSION,
      plural: PLURALS[object.kind],
      namespace: object.metadata.namespace ?? 'default',
    };
    const name = object.metadata.name ?? '';
    for (let attempt = 1; ; attempt++) {
      try {
        await this.deps.custom.createNamespacedCustomObject({
          ...target,
          body: { ...object, metadata: { ...object.metadata, resourceVersion: undefined } },
        });
        return;
      } catch (error) {
        if ((error as { code?: number }).code !== 409) throw error;
      }
      try {
        const existing = (await this.deps.custom.getNamespacedCustomObject({
          ...target,
          name,
        })) as KwokObject;
        const spec =
          object.kind === 'PortForward' ? mergedPortForwardSpec(object, existing) : object.spec;
        await this.deps.custom.replaceNamespacedCustomObject({
          ...target,
          name,
          body: {
            ...object,
            spec,
            metadata: { ...object.metadata, resourceVersion: existing.metadata.resourceVersion },
          },
        });
        return;
      } catch (error) {
        const code = (error as { code?: number }).code;
        if ((code !== 404 && code !== 409) || attempt >= 5) throw error;
      }
    }
  }

  /** Simulates a container restart the pod's annotation asks for (containerRestart.ts). */
  private async restartIfAsked(pod: k8s.V1Pod, state: PodState): Promise<void> {
    const container = containerToRestart(pod, (name) => state.restartsDone.get(name) ?? 0);
    const writer = container === undefined ? undefined : state.writers.get(container);
    if (container === undefined || !writer) return;
    const restartCount =
      pod.status?.containerStatuses?.find((status) => status.name === container)?.restartCount ?? 0;
    state.restartsDone.set(container, restartCount + 1);
    const now = new Date();
    const spec = pod.spec?.containers?.find((candidate) => candidate.name === container);
    state.writers.set(
      container,
      writer.restart(
        path.join(state.logFolder, `${container}.previous.log`),
        state.name,
        spec ? requestedGpus(spec) : 0,
        now,
      ),
    );
    await this.deps.core.patchNamespacedPodStatus({
      name: state.name,
      namespace: state.namespace,
      body: restartedStatusPatch(pod, container, now),
    });
    this.deps.log(
      `${state.namespace}/${state.name}: restarted container ${container} (restartCount ${restartCount + 1})`,
    );
  }

  private finishJob(pod: k8s.V1Pod, state: PodState): void {
    if (!this.pods.has(state.uid) || state.finished) return;
    // Node may fire a timer a millisecond early (libuv rounds its clock), which would finish the
    // pod in the second before its run-seconds are up: wait out the remainder.
    const remaining = msUntilFinish(pod);
    if (remaining > 0) {
      state.jobTimer = setTimeout(() => this.finishJob(pod, state), remaining);
      return;
    }
    state.finished = true;
    finishJobPod(this.deps.core, pod)
      .then((code) => {
        for (const writer of state.writers.values()) writer.finish(code);
        this.stopPodIpServers(state);
        this.deps.log(`${state.namespace}/${state.name}: job pod finished with exit code ${code}`);
      })
      .catch((error: unknown) => {
        state.finished = false;
        state.jobTimer = undefined;
        this.deps.log(
          `${state.namespace}/${state.name}: could not finish job pod: ${(error as Error).message}`,
        );
      });
  }

  private advanceLogs(): void {
    for (const state of this.pods.values()) {
      if (state.finished || !state.podIp) continue;
      for (const writer of state.writers.values()) {
        try {
          writer.advance();
        } catch (error) {
          this.deps.log(
            `${state.namespace}/${state.name}: log write failed: ${(error as Error).message}`,
          );
        }
      }
    }
  }

  private stopPodIpServers(state: PodState): void {
    closeServers(state.podIpServers);
    state.podIpServers = [];
  }

  private release(state: PodState): void {
    if (state.jobTimer) clearTimeout(state.jobTimer);
    this.stopPodIpServers(state);
    state.writers.clear();
  }
}
