// The DCGM exporter stand-in's output (the golden file its Go test compares with) read by the
// extension's own Prometheus and DCGM parsers: every GPU, its node, and the pod that holds it.
import * as assert from 'assert';
import * as fs from 'fs';
import { readingsFromDcgm } from '../../src/cluster/gpu/dcgmMetrics';
import { parsePrometheusText } from '../../src/cluster/gpu/prometheus';

describe('sandbox DCGM exporter output', function () {
  it('parses into one reading per GPU, with the holding pod on the allocated ones', function () {
    const parsed = parsePrometheusText(
      fs.readFileSync('scripts/sandbox/gpu/dcgm/testdata/metrics.txt', 'utf8'),
    );
    const readings = readingsFromDcgm(parsed.samples);
    assert.deepStrictEqual(
      readings.map((reading) => [
        reading.gpu,
        reading.node,
        reading.name,
        reading.namespace,
        reading.pod,
      ]),
      [
        ['0', 'real-0', 'NVIDIA H100 80GB HBM3', undefined, undefined],
        ['1', 'real-0', 'NVIDIA H100 80GB HBM3', 'ml-team', 'train-0'],
        ['2', 'real-0', 'NVIDIA H100 80GB HBM3', 'ml-team', 'train-0'],
        ['3', 'real-0', 'NVIDIA H100 80GB HBM3', undefined, undefined],
      ],
    );
    assert.deepStrictEqual(
      readings.map((reading) => reading.memoryTotalMiB),
      [81559, 81559, 81559, 81559],
    );
    assert.ok(
      readings[1].utilisation! > 0 && readings[0].utilisation === 0,
      'a held GPU reads busy, a free one idle',
    );
  });
});
