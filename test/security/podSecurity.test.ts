// Every pod we build, whatever builds it: no service-account token, the runtime's seccomp profile
// and no privilege escalation always; the full "restricted" standard unless the user turned it off.
import * as assert from 'node:assert/strict';
import type { V1PodSpec } from '@kubernetes/client-node';
import { devPodManifest } from '../../src/devPods/model/manifests';
import { buildRunManifests } from '../../src/jobs/model/manifests';
import type { Runtime } from '../../src/jobs/model/runtime';
import { buildInferenceService } from '../../src/serving/model/kserve';
import { buildEndpointManifests } from '../../src/serving/model/manifests';
import { uploaderPodManifest } from '../../src/serving/modelUpload';
import { spec as devPodSpec } from '../unit/devPods/fixtures';
import { spec as jobSpec } from '../unit/jobs/fixtures';
import { vllmSpec } from '../unit/serving/fixtures';

/** Every complete pod spec inside a manifest (templates of Jobs, Deployments, CRDs, KServe predictors). */
function podSpecsIn(value: unknown, found: V1PodSpec[] = []): V1PodSpec[] {
  if (Array.isArray(value)) {
    for (const item of value) podSpecsIn(item, found);
  } else if (value && typeof value === 'object') {
    const containers = (value as { containers?: unknown }).containers;
    if (
      Array.isArray(containers) &&
      containers.length > 0 &&
      containers.every((container) => typeof (container as { image?: unknown }).image === 'string')
    ) {
      found.push(value as V1PodSpec);
    }
    for (const child of Object.values(value)) podSpecsIn(child, found);
  }
  return found;
}

/** The pods of every manifest we build, restricted or not. TrainJob's pods come from its cluster runtime (only overrides are ours). */
function everyPod(restricted: boolean): { what: string; pod: V1PodSpec }[] {
  const builders: { what: string; manifests: unknown }[] = [
    {
      what: 'dev pod',
      manifests: devPodManifest(devPodSpec({ restrictedPodSecurity: restricted }), {
        now: new Date(0).toISOString(),
      }),
    },
    ...(['job', 'indexedJob', 'pytorchJob', 'rayJob'] as Runtime[]).map((runtime) => ({
      what: `training run (${runtime})`,
      manifests: buildRunManifests(
        jobSpec({
          workers: runtime === 'job' || runtime === 'rayJob' ? 1 : 2,
          restrictedPodSecurity: restricted,
        }),
        { namespace: 'ml-team', runtime, codeParts: 1 },
      ),
    })),
    {
      what: 'endpoint Deployment',
      manifests: buildEndpointManifests(vllmSpec({ restrictedPodSecurity: restricted })),
    },
    {
      what: 'KServe predictor',
      manifests: buildInferenceService(vllmSpec({ restrictedPodSecurity: restricted })),
    },
  ];
  if (restricted)
    builders.push({
      what: 'model uploader',
      manifests: uploaderPodManifest({
        name: 'up',
        namespace: 'ml-team',
        id: 'x',
        claimName: 'model',
      }),
    });
  return builders.flatMap(({ what, manifests }) => {
    const pods = podSpecsIn(manifests);
    assert.ok(pods.length > 0, `${what}: no pod spec found`);
    return pods.map((pod) => ({ what, pod }));
  });
}

describe('security: pod security of every pod we build', () => {
  for (const restricted of [true, false]) {
    it(`${restricted ? 'restricted' : 'restriction off'}: no service-account token, seccomp RuntimeDefault, no privilege escalation`, () => {
      for (const { what, pod } of everyPod(restricted)) {
        assert.equal(
          pod.automountServiceAccountToken,
          false,
          `${what}: the default service account's token must stay out`,
        );
        assert.equal(
          pod.securityContext?.seccompProfile?.type,
          'RuntimeDefault',
          `${what}: seccomp`,
        );
        for (const container of [...(pod.initContainers ?? []), ...pod.containers]) {
          assert.equal(
            container.securityContext?.allowPrivilegeEscalation,
            false,
            `${what}/${container.name}: privilege escalation`,
          );
          assert.equal(
            container.securityContext?.privileged,
            undefined,
            `${what}/${container.name}: privileged`,
          );
        }
        for (const volume of pod.volumes ?? [])
          assert.equal(volume.hostPath, undefined, `${what}: hostPath`);
        if (restricted) {
          assert.equal(pod.securityContext?.runAsNonRoot, true, `${what}: runAsNonRoot`);
          for (const container of [...(pod.initContainers ?? []), ...pod.containers]) {
            assert.deepEqual(
              container.securityContext?.capabilities?.drop,
              ['ALL'],
              `${what}/${container.name}: capabilities`,
            );
          }
        }
      }
    });
  }
});
