// Pod manifests shared by the sandbox's own cluster tests.
import type * as k8s from '@kubernetes/client-node';
import { GPU_TOLERATIONS } from '../sandbox';

export function trainingPod(name: string, gpus = 0, extra: Partial<k8s.V1PodSpec> = {}): k8s.V1Pod {
  return {
    metadata: { name, labels: { app: name } },
    spec: {
      tolerations: gpus > 0 ? GPU_TOLERATIONS : undefined,
      containers: [
        {
          name: 'main',
          image: 'python:3.11',
          command: ['python', 'train.py'],
          ports: [{ containerPort: 8888 }, { containerPort: 8000 }, { containerPort: 6006 }],
          resources: gpus > 0 ? { limits: { 'nvidia.com/gpu': String(gpus) } } : undefined,
        },
      ],
      ...extra,
    },
  };
}

/** A pod that Pod Security `restricted` admits (ml-restricted, ml-solo). */
export function restrictedPod(name: string): k8s.V1Pod {
  return {
    metadata: { name },
    spec: {
      securityContext: {
        runAsNonRoot: true,
        runAsUser: 1000,
        seccompProfile: { type: 'RuntimeDefault' },
      },
      containers: [
        {
          name: 'main',
          image: 'python:3.11',
          securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
        },
      ],
    },
  };
}
