// The sandbox's images, built by scripts/sandbox/images/build.sh, imported into a scratch
// containerd as the real node imports them, and run: each holds what its original holds and
// lacks what its original lacks.
import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as http from 'http';
import { AddressInfo, createServer } from 'net';
import { httpGet } from '../httpGet';
import { NVIDIA_SMI_COMMAND, parseNvidiaSmiCsv } from '../../src/cluster/gpu/nvidiaSmi';
import { waitFor } from '../waitFor';
import { buildGpuPrograms, buildImages, ImageLine, ScratchContainerd } from './scratchContainerd';

const PAUSE = 'registry.k8s.io/pause:3.10';
const BUSYBOX = 'docker.io/library/busybox:1.36';
const SLIM = 'sandbox.kube-ml.dev/slim:1';
const CURL = 'docker.io/curlimages/curl:8.10.1';
const PYTORCH = 'docker.io/pytorch/pytorch:2.4.1-cuda12.4-cudnn9-runtime';
const VLLM = 'docker.io/vllm/vllm-openai:v0.6.3';
const TGI = 'ghcr.io/huggingface/text-generation-inference:2.4.0';
const TRITON = 'nvcr.io/nvidia/tritonserver:24.10-py3';
const DCGM_EXPORTER = 'nvcr.io/nvidia/k8s/dcgm-exporter:3.3.8-3.6.0-ubuntu22.04';
const ML_PRESETS = [
  PYTORCH,
  'docker.io/pytorch/pytorch:2.4.0-cuda12.1-cudnn9-runtime',
  'nvcr.io/nvidia/jax:24.04-py3',
  'docker.io/huggingface/transformers-pytorch-gpu:4.41.2',
  'docker.io/nvidia/cuda:12.4.1-cudnn-runtime-ubuntu22.04',
];

/** A loopback port free at the moment (the container binds it next, on the host network). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** POSTs JSON and returns the raw response body (the whole event stream for `stream: true`). */
function httpPost(
  url: string,
  body: unknown,
  headers: Record<string, string>,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      url,
      { method: 'POST', agent: false, headers: { 'Content-Type': 'application/json', ...headers } },
      (response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text }));
      },
    );
    request.on('error', reject);
    request.end(JSON.stringify(body));
  });
}

/** `command -v` for each name, as a slim image's shell answers it. */
const WHICH = (names: readonly string[]) => [
  'sh',
  '-c',
  names.map((name) => `command -v ${name} || echo "no ${name}"`).join('; '),
];

const IMAGE_NAMES = [
  'pause',
  'busybox',
  'slim',
  'curl',
  'pytorch',
  'vllm',
  'tgi',
  'triton',
  'dcgm-exporter',
];

describe('sandbox images', function () {
  let containerd: ScratchContainerd;
  let images: ImageLine[];
  let imported: Map<string, string>;
  let gpuPrograms: Record<string, string>;

  before(async function () {
    images = await buildImages(IMAGE_NAMES);
    gpuPrograms = await buildGpuPrograms();
    containerd = await ScratchContainerd.start();
    imported = await containerd.importImages(IMAGE_NAMES);
  });

  after(async function () {
    await containerd?.stop();
  });

  /** Runs `command` in `reference` until `use` is done, once `healthPath` on `port` answers 200. */
  async function whileServing(
    reference: string,
    command: readonly string[],
    port: number,
    healthPath: string,
    use: (base: string) => Promise<void>,
  ): Promise<void> {
    const base = `http://127.0.0.1:${port}`;
    const id = await containerd.start(reference, command);
    try {
      await waitFor(
        async () => (await httpGet(`${base}${healthPath}`)).status === 200,
        90_000,
        `${reference} to answer ${healthPath}`,
      );
      await use(base);
    } finally {
      await containerd.remove(id);
    }
  }

  it('prints one absolute archive per full reference', function () {
    assert.deepStrictEqual(
      images.map((image) => image.reference),
      [PAUSE, BUSYBOX, SLIM, CURL, ...ML_PRESETS, VLLM, TGI, TRITON, DCGM_EXPORTER],
    );
    for (const image of images)
      assert.match(image.archive, /^\/.*\/images\/[a-z-]+-[0-9a-f]{16}\.oci\.tar$/);
  });

  it('imports each archive once, under every reference the kubelet asks for', async function () {
    const references = images.map((image) => image.reference);
    assert.deepStrictEqual(
      [...imported.entries()],
      references.map((reference) => [reference, 'imported']),
    );
    const { stdout } = await containerd.ctr(['images', 'ls', '-q']);
    for (const reference of references)
      assert.ok(stdout.split('\n').includes(reference), `${reference} in ${stdout}`);
  });

  it('skips what is already imported from the same archive', async function () {
    const again = await containerd.importImages(['curl', 'pytorch']);
    assert.deepStrictEqual(
      [...again.values()],
      [CURL, ...ML_PRESETS].map(() => 'present'),
    );
  });

  it('replaces an image whose archive was built again', async function () {
    // A second cache builds the same recipe into a new archive (new timestamps, new digest).
    const otherCache = fs.mkdtempSync(path.join(os.tmpdir(), 'kmw-images-'));
    try {
      assert.deepStrictEqual(
        [...(await containerd.importImages(['slim'], otherCache)).entries()],
        [[SLIM, 'imported']],
      );
      const [rebuilt] = await buildImages(['slim'], otherCache);
      const manifest = (
        JSON.parse(execFileSync('tar', ['-xOf', rebuilt.archive, 'index.json']).toString()) as {
          manifests: Array<{ digest: string }>;
        }
      ).manifests[0].digest;
      const { stdout } = await containerd.ctr(['images', 'ls']);
      assert.ok(
        stdout.split('\n').some((row) => row.startsWith(`${SLIM} `) && row.includes(manifest)),
        `${SLIM} at ${manifest} in ${stdout}`,
      );
    } finally {
      fs.rmSync(otherCache, { recursive: true, force: true });
    }
  });

  it('pause runs until TERM, then exits', async function () {
    const id = await containerd.start(PAUSE);
    try {
      assert.strictEqual(
        await waitFor(() => containerd.taskStatus(id), 10_000, 'the pause task'),
        'RUNNING',
      );
      const killed = await containerd.ctr(['task', 'kill', '--signal', 'SIGTERM', id]);
      assert.strictEqual(killed.exitCode, 0, killed.stderr);
      await waitFor(
        async () => (await containerd.taskStatus(id)) === 'STOPPED',
        10_000,
        'pause to exit on TERM',
      );
    } finally {
      await containerd.remove(id);
    }
  });

  it('busybox has busybox tar and wget, and no bash', async function () {
    const result = await containerd.runIn(BUSYBOX, WHICH(['tar', 'wget', 'bash']));
    assert.strictEqual(result.stdout, '/bin/tar\n/bin/wget\nno bash\n');
  });

  it('the slim image has a shell but no bash and no tar', async function () {
    const result = await containerd.runIn(SLIM, WHICH(['sh', 'bash', 'tar']));
    assert.strictEqual(result.stdout, '/bin/sh\nno bash\nno tar\n');
  });

  it('the curl image has busybox sh and a working curl, and no bash', async function () {
    const server = http.createServer((_request, response) => response.end('pong'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const result = await containerd.runIn(CURL, [
        '/bin/sh',
        '-c',
        `command -v bash || echo "no bash"; curl -sS http://127.0.0.1:${port}/`,
      ]);
      assert.strictEqual(result.stdout, 'no bash\npong', result.stderr);
    } finally {
      server.close();
    }
  });

  it('the ML image has python3 with numpy, JupyterLab and TensorBoard, bash, and no sshd', async function () {
    const result = await containerd.runIn(PYTORCH, [
      '/bin/bash',
      '-c',
      'python3 -c "import numpy, jupyterlab, tensorboard; print(numpy.__version__, jupyterlab.__version__, tensorboard.__version__)"; command -v jupyter tensorboard pip; command -v sshd || echo "no sshd"; pwd',
    ]);
    assert.strictEqual(
      result.stdout,
      '1.26.4 4.2.5 2.17.1\n/usr/local/bin/jupyter\n/usr/local/bin/tensorboard\n/usr/bin/pip\nno sshd\n/workspace\n',
      result.stderr,
    );
  });

  describe('nvidia-smi as the device plugin mounts it', function () {
    // What the plugin's Allocate answers for GPUs 5 and 2 of a node (UUIDs in its scheme, scripts/sandbox/gpu/simgpu).
    const allocation = [
      'NVIDIA_VISIBLE_DEVICES=GPU-1c4e1c2d-5a1d-4b0e-8000-000000000005,GPU-1c4e1c2d-5a1d-4b0e-8000-000000000002',
      'KMW_GPU_NAME=NVIDIA H100 80GB HBM3',
      'KMW_GPU_MEMORY_MIB=81559',
    ];
    const mount = () => ({ '/usr/bin/nvidia-smi': gpuPrograms['nvidia-smi'] });

    for (const reference of [PYTORCH, SLIM]) {
      it(`reports exactly the allocated GPUs in ${reference}, in the format the extension parses`, async function () {
        const result = await containerd.runIn(reference, NVIDIA_SMI_COMMAND, {
          env: allocation,
          readOnlyFiles: mount(),
        });
        assert.strictEqual(result.exitCode, 0, result.stderr);
        const parsed = parseNvidiaSmiCsv(result.stdout);
        assert.deepStrictEqual(parsed.rejected, []);
        assert.deepStrictEqual(
          parsed.gpus.map((gpu) => [gpu.gpu, gpu.name, gpu.memoryTotalMiB]),
          [
            ['0', 'NVIDIA H100 80GB HBM3', 81559],
            ['1', 'NVIDIA H100 80GB HBM3', 81559],
          ],
        );
      });
    }

    it('finds no GPU when none was allocated, exiting as the real tool does', async function () {
      const result = await containerd.runIn(PYTORCH, ['nvidia-smi'], { readOnlyFiles: mount() });
      assert.strictEqual(result.stdout, 'No devices were found\n');
      assert.strictEqual(result.exitCode, 6);
    });
  });

  it('JupyterLab and TensorBoard run as real processes in the ML image', async function () {
    const jupyterPort = await freePort();
    const jupyter = [
      'jupyter',
      'lab',
      '--no-browser',
      '--allow-root',
      '--ip=127.0.0.1',
      `--port=${jupyterPort}`,
      '--ServerApp.token=',
      '--ServerApp.root_dir=/workspace',
    ];
    await whileServing(PYTORCH, jupyter, jupyterPort, '/api', async (base) => {
      assert.strictEqual(
        (JSON.parse((await httpGet(`${base}/api`)).body) as { version: string }).version,
        '2.21.1',
      );
    });
    const tensorboardPort = await freePort();
    const tensorboard = [
      'tensorboard',
      '--logdir=/tmp',
      '--host=127.0.0.1',
      `--port=${tensorboardPort}`,
    ];
    await whileServing(PYTORCH, tensorboard, tensorboardPort, '/data/runs', async (base) => {
      assert.strictEqual((await httpGet(`${base}/data/runs`)).body, '[]');
    });
  });

  it("the vLLM image serves the OpenAI API as a real process, with vLLM's arguments, key check and metrics", async function () {
    const port = await freePort();
    // The serving flow's arguments (src/serving/model/runtimes.ts) after the image's entrypoint.
    const command = [
      'python3',
      '-m',
      'vllm.entrypoints.openai.api_server',
      '--model',
      '/vllm-workspace',
      '--served-model-name',
      'tiny',
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--api-key',
      'sekret',
    ];
    await whileServing(VLLM, command, port, '/health', async (base) => {
      assert.strictEqual((await httpGet(`${base}/v1/models`)).status, 401);
      const auth = { Authorization: 'Bearer sekret' };
      const reply = await httpPost(
        `${base}/v1/chat/completions`,
        {
          model: 'tiny',
          messages: [{ role: 'user', content: 'hello there' }],
          stream: true,
          max_tokens: 3,
        },
        auth,
      );
      assert.strictEqual(reply.status, 200);
      const events = reply.body.split('\n\n').filter(Boolean);
      assert.strictEqual(events[events.length - 1], 'data: [DONE]');
      const chunks = events.slice(0, -1).map(
        (event) =>
          JSON.parse(event.replace(/^data: /, '')) as {
            choices: Array<{ delta: { content?: string } }>;
            usage?: { completion_tokens: number };
          },
      );
      assert.strictEqual(
        chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join(''),
        'This reply comes ',
      );
      assert.strictEqual(chunks[chunks.length - 1].usage?.completion_tokens, 3);
      const metrics = await httpGet(`${base}/metrics`);
      assert.match(metrics.body, /^vllm:generation_tokens_total\{model_name="tiny"\} 3$/m);
    });
  });

  it('the TGI image serves the Messages API and /info behind text-generation-launcher', async function () {
    const port = await freePort();
    const command = [
      'text-generation-launcher',
      '--model-id',
      '/usr/src',
      '--hostname',
      '127.0.0.1',
      '--port',
      String(port),
    ];
    await whileServing(TGI, command, port, '/health', async (base) => {
      assert.strictEqual(
        (JSON.parse((await httpGet(`${base}/info`)).body) as { version: string }).version,
        '2.4.0',
      );
      const reply = await httpPost(
        `${base}/v1/chat/completions`,
        { model: 'tgi', messages: [{ role: 'user', content: 'hi' }], max_tokens: 2 },
        {},
      );
      assert.strictEqual(
        (JSON.parse(reply.body) as { choices: Array<{ message: { content: string } }> }).choices[0]
          .message.content,
        'This reply ',
      );
      assert.match(
        (await httpGet(`${base}/metrics`)).body,
        /^tgi_request_generated_tokens_sum 2$/m,
      );
    });
  });

  it("the Triton image runs tritonserver from its arguments and reports the repository's models ready", async function () {
    const port = await freePort();
    const metricsPort = await freePort();
    // The image's own /opt as the repository: its folders (nvidia, tritonserver) are the "models".
    const command = [
      '/opt/nvidia/nvidia_entrypoint.sh',
      'tritonserver',
      '--model-repository=/opt',
      `--http-port=${port}`,
      `--metrics-port=${metricsPort}`,
      '--http-address=127.0.0.1',
    ];
    await whileServing(TRITON, command, port, '/v2/health/ready', async (base) => {
      assert.strictEqual((await httpGet(`${base}/v2/models/nvidia/ready`)).status, 200);
      assert.strictEqual((await httpGet(`${base}/v2/models/missing/ready`)).status, 400);
      const index = await httpPost(`${base}/v2/repository/index`, {}, {});
      assert.deepStrictEqual(
        (JSON.parse(index.body) as Array<{ name: string }>).map((model) => model.name),
        ['nvidia', 'tritonserver'],
      );
      assert.match(
        (await httpGet(`http://127.0.0.1:${metricsPort}/metrics`)).body,
        /^nv_inference_request_success\{model="nvidia",version="1"\} 0$/m,
      );
    });
  });

  it('the vLLM image exits when the model folder does not exist, as vLLM does', async function () {
    const result = await containerd.runIn(VLLM, [
      'python3',
      '-m',
      'vllm.entrypoints.openai.api_server',
      '--model',
      '/models/missing',
    ]);
    assert.strictEqual(result.exitCode, 1);
  });

  it("the DCGM exporter image serves /metrics, and says so when the kubelet's pod-resources socket is missing", async function () {
    const port = await freePort();
    const command = [
      '/usr/bin/dcgm-exporter',
      '--address',
      `127.0.0.1:${port}`,
      '--node-name',
      'real-0',
    ];
    await whileServing(DCGM_EXPORTER, command, port, '/health', async (base) => {
      const metrics = await httpGet(`${base}/metrics`);
      assert.strictEqual(metrics.status, 503);
      assert.match(metrics.body, /pod-resources API/);
    });
  });
});
