import * as assert from 'node:assert/strict';
import { parseNvidiaSmiCsv, NVIDIA_SMI_COMMAND } from '../../../../src/cluster/gpu/nvidiaSmi';
import { parsePrometheusText } from '../../../../src/cluster/gpu/prometheus';
import { readingsFromDcgm, utilisationByNode } from '../../../../src/cluster/gpu/dcgmMetrics';
import { dcgmProxyPath, endpointForNode } from '../../../../src/cluster/gpu/dcgm';

// Output of nvidia-smi 550 on a DGX H100 (two of eight rows) and on an older driver with N/A power.
const H100_CSV = `0, NVIDIA H100 80GB HBM3, 97, 71234, 81559, 612.45, 67
1, NVIDIA H100 80GB HBM3, 0, 4, 81559, 69.12, 31
`;
const NA_CSV = '0, Tesla T4, 3, 300, 15360, [N/A], 41\r\n';

// Excerpt of dcgm-exporter 3.3 /metrics (GPU operator) with pod attribution on gpu 0 only.
const DCGM_TEXT = `# HELP DCGM_FI_DEV_GPU_UTIL GPU utilization (in %).
# TYPE DCGM_FI_DEV_GPU_UTIL gauge
DCGM_FI_DEV_GPU_UTIL{gpu="0",UUID="GPU-5b7c",device="nvidia0",modelName="NVIDIA A100-SXM4-40GB",Hostname="gpu-a100-1",DCGM_FI_DRIVER_VERSION="535.104.05",container="trainer",namespace="ml-team",pod="train-abc"} 88
DCGM_FI_DEV_GPU_UTIL{gpu="1",UUID="GPU-9a1d",device="nvidia1",modelName="NVIDIA A100-SXM4-40GB",Hostname="gpu-a100-1"} 2
# HELP DCGM_FI_DEV_FB_FREE Framebuffer memory free (in MiB).
# TYPE DCGM_FI_DEV_FB_FREE gauge
DCGM_FI_DEV_FB_FREE{gpu="0",UUID="GPU-5b7c",device="nvidia0",modelName="NVIDIA A100-SXM4-40GB",Hostname="gpu-a100-1",container="trainer",namespace="ml-team",pod="train-abc"} 10000
DCGM_FI_DEV_FB_FREE{gpu="1",UUID="GPU-9a1d",device="nvidia1",modelName="NVIDIA A100-SXM4-40GB",Hostname="gpu-a100-1"} 40000
DCGM_FI_DEV_FB_USED{gpu="0",UUID="GPU-5b7c",device="nvidia0",modelName="NVIDIA A100-SXM4-40GB",Hostname="gpu-a100-1",container="trainer",namespace="ml-team",pod="train-abc"} 30536
DCGM_FI_DEV_FB_USED{gpu="1",UUID="GPU-9a1d",device="nvidia1",modelName="NVIDIA A100-SXM4-40GB",Hostname="gpu-a100-1"} 536
DCGM_FI_DEV_POWER_USAGE{gpu="0",UUID="GPU-5b7c",device="nvidia0",modelName="NVIDIA A100-SXM4-40GB",Hostname="gpu-a100-1",container="trainer",namespace="ml-team",pod="train-abc"} 301.5
DCGM_FI_DEV_GPU_TEMP{gpu="0",UUID="GPU-5b7c",device="nvidia0",modelName="NVIDIA A100-SXM4-40GB",Hostname="gpu-a100-1",container="trainer",namespace="ml-team",pod="train-abc"} 63
DCGM_FI_DEV_SM_CLOCK{gpu="0",UUID="GPU-5b7c",Hostname="gpu-a100-1"} 1410
`;

describe('nvidia-smi CSV', () => {
  it('parses real rows', () => {
    const { gpus, rejected } = parseNvidiaSmiCsv(H100_CSV);
    assert.deepEqual(rejected, []);
    assert.deepEqual(gpus[0], {
      gpu: '0',
      name: 'NVIDIA H100 80GB HBM3',
      utilisation: 97,
      memoryUsedMiB: 71234,
      memoryTotalMiB: 81559,
      powerWatts: 612.45,
      temperatureC: 67,
    });
    assert.equal(gpus[1].utilisation, 0);
  });
  it('treats [N/A] as missing and handles CRLF', () => {
    const { gpus } = parseNvidiaSmiCsv(NA_CSV);
    assert.equal(gpus.length, 1);
    assert.equal(gpus[0].powerWatts, undefined);
    assert.equal(gpus[0].temperatureC, 41);
  });
  it('rejects malformed rows without throwing', () => {
    const { gpus, rejected } = parseNvidiaSmiCsv(
      "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.\nindex, name\n0, x, 1, 2\n",
    );
    assert.equal(gpus.length, 0);
    assert.equal(rejected.length, 3);
    assert.deepEqual(parseNvidiaSmiCsv(42 as unknown as string).gpus, []);
  });
  it('queries exactly the fields the parser expects', () => {
    assert.equal(
      NVIDIA_SMI_COMMAND[1],
      '--query-gpu=index,name,utilization.gpu,memory.used,memory.total,power.draw,temperature.gpu',
    );
  });
});

describe('Prometheus text format', () => {
  it('parses names, escaped labels, special values and timestamps', () => {
    const { samples, rejectedLines } = parsePrometheusText(
      'a_total{path="/x\\"y",le="+Inf"} 3 1700000000000\nb NaN\nc{} -Inf\n# comment\n',
    );
    assert.equal(rejectedLines, 0);
    assert.deepEqual(samples[0], {
      name: 'a_total',
      labels: { path: '/x"y', le: '+Inf' },
      value: 3,
      timestampMs: 1700000000000,
    });
    assert.ok(Number.isNaN(samples[1].value));
    assert.equal(samples[2].value, Number.NEGATIVE_INFINITY);
  });
  it('rejects malformed lines and keeps going', () => {
    const { samples, rejectedLines } = parsePrometheusText(
      '{bad} 1\nx{a="unterminated} 1\ny{a="1"} notanumber\nz 1 2 3\nok 5\n',
    );
    assert.equal(rejectedLines, 4);
    assert.deepEqual(
      samples.map((sample) => sample.name),
      ['ok'],
    );
  });
});

describe('DCGM readings', () => {
  it('combines the series of each GPU and derives total memory', () => {
    const readings = readingsFromDcgm(parsePrometheusText(DCGM_TEXT).samples);
    assert.equal(readings.length, 2);
    assert.deepEqual(readings[0], {
      gpu: '0',
      node: 'gpu-a100-1',
      name: 'NVIDIA A100-SXM4-40GB',
      pod: 'train-abc',
      namespace: 'ml-team',
      utilisation: 88,
      memoryUsedMiB: 30536,
      memoryTotalMiB: 40536,
      powerWatts: 301.5,
      temperatureC: 63,
    });
    assert.equal(readings[1].pod, undefined);
    assert.equal(readings[1].memoryTotalMiB, 40536);
    assert.deepEqual(
      [...utilisationByNode(readings)],
      [['gpu-a100-1', { utilisation: 45, gpus: 2 }]],
    );
  });
  it('builds pod and service proxy paths', () => {
    assert.equal(
      dcgmProxyPath({
        kind: 'pod',
        namespace: 'gpu-operator',
        name: 'nvidia-dcgm-exporter-x7',
        port: 9400,
      }),
      '/api/v1/namespaces/gpu-operator/pods/nvidia-dcgm-exporter-x7%3A9400/proxy/metrics',
    );
    assert.equal(
      dcgmProxyPath({
        kind: 'service',
        namespace: 'gpu-operator',
        name: 'nvidia-dcgm-exporter',
        port: 'gpu-metrics',
      }),
      '/api/v1/namespaces/gpu-operator/services/nvidia-dcgm-exporter%3Agpu-metrics/proxy/metrics',
    );
    const discovery = {
      pods: [{ kind: 'pod' as const, namespace: 'n', name: 'p1', port: 9400, node: 'a' }],
      services: [{ kind: 'service' as const, namespace: 'n', name: 's', port: 9400 }],
      problems: [],
    };
    assert.equal(endpointForNode(discovery, 'a')?.name, 'p1');
    assert.equal(endpointForNode(discovery, 'b')?.name, 's');
  });
});
