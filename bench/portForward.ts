// Port-forward, terminal and pod-file figures against the sandbox, with kubectl measured in the
// same run on the same pod (and a direct loopback connection as the physical limit), in 3 rounds that
// alternate which path goes first; load comes from a separate process (bench/peers/httpLoad.ts).
// `npm run bench -- portForward`.
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import * as k8s from '@kubernetes/client-node';
import { startPortForward } from '../src/cluster/portForward';
import { openShell, SHELL_CANDIDATES } from '../src/cluster/exec';
import { PodFiles } from '../src/cluster/podFiles';
import { runCommand } from '../src/cluster/exec';
import {
  createTestNamespace,
  deleteTestNamespace,
  SANDBOX_KUBECONFIG,
  ADMIN_CONTEXT,
  sandboxKubeConfig,
  waitFor,
} from '../test/cluster/sandbox';
import { figure, median, timeMs, type Figure } from './figures';
import { BIG_TRANSFER_BYTES, CONCURRENT, type PathRound } from './peers/httpLoad';

const BIG_TRANSFER_MIB = BIG_TRANSFER_BYTES / 2 ** 20;
/** Rounds per path (each: the big transfer, 100 connection setups, 50 concurrent connections). */
const ROUNDS = 3;

const BULK_PORT_IN_POD = 9000;
const execFileAsync = promisify(execFile);
/** Linux's USER_HZ: /proc/<pid>/stat counts CPU time in these. */
const CLOCK_TICKS_PER_SECOND = 100;
const LOAD_PEER = path.join(__dirname, 'peers', 'httpLoad.ts');
const PEER_ARGS = ['--require', require.resolve('tsx/cjs'), LOAD_PEER];

/** Progress on stderr: the table only prints at the end. */
function progress(message: string): void {
  process.stderr.write(`[portForward bench] ${message}\n`);
}

/** The bulk HTTP server, in its own process (bench/peers/httpLoad.ts serve). */
async function startBulkServer(): Promise<{ process: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [...PEER_ARGS, 'serve'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout!.on('data', (data: Buffer) => (output += data.toString()));
  const port = await waitFor(
    () => (output.includes('\n') ? (JSON.parse(output) as { port: number }).port : undefined),
    20_000,
    'the bulk server',
  );
  return { process: child, port };
}

/** CPU time (user + system) a process has used so far, in ms. */
function processCpuMs(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
}

function ownCpuMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

interface PathFigures {
  mibPerSecond: number;
  setupP50: number;
  setupP99: number;
  concurrentMs: number;
  cpuMsPerGiB: number;
}

/**
 * One round through 127.0.0.1:port, measured by a client process of its own, and the CPU time the
 * forwarding process (`cpuMs`) spent meanwhile.
 */
async function measureRound(
  port: number,
  cpuMs?: () => number,
): Promise<PathRound & { cpuUsedMs: number }> {
  const cpuBefore = cpuMs?.() ?? 0;
  const { stdout } = await execFileAsync(
    process.execPath,
    [...PEER_ARGS, 'measure', String(port)],
    { maxBuffer: 1024 * 1024 },
  );
  const round = JSON.parse(stdout) as PathRound;
  return { ...round, cpuUsedMs: cpuMs ? cpuMs() - cpuBefore : 0 };
}

/** Sums up the rounds of one path: medians over rounds, setup percentiles over every sample. */
function pathFigures(
  name: string,
  rounds: readonly (PathRound & { cpuUsedMs: number })[],
): PathFigures {
  const setups = rounds.flatMap((round) => round.setupsMs);
  const bytes = rounds.reduce((sum, round) => sum + round.totalBytes, 0);
  const figures = {
    mibPerSecond: median(
      rounds.map((round) => BIG_TRANSFER_BYTES / 2 ** 20 / (round.transferMs / 1000)),
    ),
    setupP50: percentile(setups, 0.5),
    setupP99: percentile(setups, 0.99),
    concurrentMs: median(rounds.map((round) => round.concurrentMs)),
    cpuMsPerGiB: rounds.reduce((sum, round) => sum + round.cpuUsedMs, 0) / (bytes / 2 ** 30),
  };
  progress(
    `${name}: ${figures.mibPerSecond.toFixed(0)} MiB/s, setup p50 ${figures.setupP50.toFixed(1)} ms p99 ${figures.setupP99.toFixed(1)} ms, ${CONCURRENT} concurrent in ${figures.concurrentMs.toFixed(0)} ms, ${figures.cpuMsPerGiB.toFixed(0)} ms CPU per GiB`,
  );
  return figures;
}

function percentile(values: readonly number[], fraction: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)];
}

/** Points the pod's port 9000 at our bulk server (KWOK's PortForward object for the pod). */
async function mapPodPort(namespace: string, pod: string, target: number): Promise<void> {
  const custom = sandboxKubeConfig('admin').makeApiClient(k8s.CustomObjectsApi);
  const object = {
    group: 'kwok.x-k8s.io',
    version: 'v1alpha1',
    plural: 'portforwards',
    namespace,
    name: pod,
  };
  // The sandbox agent writes the same object while the pod starts: retry on a conflict.
  await waitFor(
    async () => {
      const existing = (await custom.getNamespacedCustomObject(object)) as {
        spec: { forwards: unknown[] };
      };
      existing.spec.forwards.push({
        ports: [BULK_PORT_IN_POD],
        target: { address: '127.0.0.1', port: target },
      });
      try {
        await custom.replaceNamespacedCustomObject({ ...object, body: existing });
        return true;
      } catch (error) {
        if ((error as { code?: number }).code === 409) return undefined;
        throw error;
      }
    },
    30_000,
    'the pod PortForward object mapped to the bulk server',
  );
}

async function startKubectlForward(
  namespace: string,
  pod: string,
  port: number,
): Promise<{ process: ChildProcess; localPort: number }> {
  const child = spawn(
    'kubectl',
    [
      '--kubeconfig',
      SANDBOX_KUBECONFIG,
      '--context',
      ADMIN_CONTEXT,
      'port-forward',
      '-n',
      namespace,
      `pod/${pod}`,
      `:${port}`,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout!.on('data', (data: Buffer) => (output += data.toString()));
  child.stderr!.on('data', (data: Buffer) => (output += data.toString()));
  const localPort = await waitFor(
    () => Number(/Forwarding from 127\.0\.0\.1:(\d+)/.exec(output)?.[1]) || undefined,
    20_000,
    `kubectl port-forward (${output})`,
  );
  return { process: child, localPort };
}

/** Median ms from sending one key to seeing its echo, over `samples` keys. */
async function keystrokeRoundTrip(
  write: (key: string) => void,
  output: () => string,
  samples: number,
): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < samples; i++) {
    const marker = String.fromCharCode(97 + (i % 26));
    const before = output().length;
    const started = process.hrtime.bigint();
    write(marker);
    await waitFor(() => output().slice(before).includes(marker), 5_000, 'the echoed key', 1);
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  write('\x15');
  return median(times);
}

async function terminalFigures(
  kubeConfig: k8s.KubeConfig,
  namespace: string,
  pod: string,
): Promise<Figure[]> {
  let ours = '';
  const shell = await openShell(
    kubeConfig,
    { namespace, pod, container: 'main' },
    SHELL_CANDIDATES[0],
    { columns: 120, rows: 40 },
    { onOutput: (data) => (ours += data.toString()), onEnd: () => undefined },
  );
  shell.write('echo ready-""1\r');
  await waitFor(() => ours.includes('ready-1'), 15_000, 'our shell');
  const oursMs = await keystrokeRoundTrip(
    (key) => shell.write(key),
    () => ours,
    50,
  );
  shell.close();

  // kubectl exec -it needs a terminal: `script` gives it one.
  let theirs = '';
  const kubectl = spawn(
    'script',
    [
      '-qfc',
      `kubectl --kubeconfig ${SANDBOX_KUBECONFIG} --context ${ADMIN_CONTEXT} exec -it -n ${namespace} ${pod} -c main -- bash`,
      '/dev/null',
    ],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  kubectl.stdout!.on('data', (data: Buffer) => (theirs += data.toString()));
  kubectl.stdin!.write('echo ready-""2\r');
  await waitFor(() => theirs.includes('ready-2'), 20_000, 'kubectl exec shell');
  const kubectlMs = await keystrokeRoundTrip(
    (key) => kubectl.stdin!.write(key),
    () => theirs,
    50,
  );
  kubectl.kill();
  return [
    figure(
      'terminal keystroke round trip (median of 50)',
      oursMs,
      kubectlMs,
      'ms',
      'lower',
      'kubectl exec -it',
    ),
  ];
}

async function fileFigures(
  kubeConfig: k8s.KubeConfig,
  namespace: string,
  pod: string,
): Promise<Figure[]> {
  const files = new PodFiles(kubeConfig, { namespace, pod, container: 'main' });
  const root = await files.workingDirectory();
  const content = Buffer.alloc(10 * 1024 * 1024, 7);
  const kubectlExec = (...argv: string[]) =>
    execFileAsync(
      'kubectl',
      [
        '--kubeconfig',
        SANDBOX_KUBECONFIG,
        '--context',
        ADMIN_CONTEXT,
        'exec',
        '-n',
        namespace,
        pod,
        '-c',
        'main',
        '--',
        ...argv,
      ],
      { maxBuffer: 64 * 1024 * 1024, encoding: 'buffer' },
    );
  await files.writeFile(`${root}/big.bin`, content, { create: true, overwrite: true });
  const saveSamples: number[] = [];
  for (let i = 0; i < 3; i++) {
    const { version } = await files.readFile(`${root}/big.bin`);
    saveSamples.push(
      await timeMs(() =>
        files.writeFile(`${root}/big.bin`, content, {
          create: false,
          overwrite: true,
          expectedVersion: version,
        }),
      ),
    );
  }
  const saveMs = median(saveSamples);
  const openSamples: number[] = [];
  const catSamples: number[] = [];
  for (let i = 0; i < 3; i++) {
    openSamples.push(await timeMs(() => files.readFile(`${root}/big.bin`)));
    catSamples.push(await timeMs(() => kubectlExec('cat', `${root}/big.bin`)));
  }
  const kubectlSaveSamples: number[] = [];
  // KWOK's exec never sees stdin's end from kubectl, so the reference reads an exact byte count, as ours does.
  for (let i = 0; i < 3; i++) {
    kubectlSaveSamples.push(
      await timeMs(
        () =>
          new Promise<void>((resolve, reject) => {
            const child = spawn('kubectl', [
              '--kubeconfig',
              SANDBOX_KUBECONFIG,
              '--context',
              ADMIN_CONTEXT,
              'exec',
              '-i',
              '-n',
              namespace,
              pod,
              '-c',
              'main',
              '--',
              'sh',
              '-c',
              'head -c "$2" > "$1"',
              'x',
              `${root}/big-kubectl.bin`,
              String(content.length),
            ]);
            child.on('exit', (code) =>
              code === 0 ? resolve() : reject(new Error(`kubectl exit ${code}`)),
            );
            child.stdin.end(content);
          }),
      ),
    );
  }
  await runCommand(kubeConfig, { namespace, pod, container: 'main' }, [
    'sh',
    '-c',
    'mkdir -p "$1" && cd "$1" && seq 1 10000 | sed "s/^/file-/" | xargs touch',
    'x',
    `${root}/many`,
  ]);
  const listSamples: number[] = [];
  const lsSamples: number[] = [];
  for (let i = 0; i < 3; i++) {
    listSamples.push(
      await timeMs(async () => {
        const entries = await files.readDirectory(`${root}/many`);
        if (entries.length !== 10_000) throw new Error(`listed ${entries.length} files`);
      }),
    );
    lsSamples.push(await timeMs(() => kubectlExec('ls', '-A', `${root}/many`)));
  }
  return [
    figure(
      'file provider: open a 10 MiB file',
      median(openSamples),
      median(catSamples),
      'ms',
      'lower',
      'kubectl exec cat',
    ),
    figure(
      'file provider: save a 10 MiB file (atomic, conflict-checked)',
      saveMs,
      median(kubectlSaveSamples),
      'ms',
      'lower',
      'kubectl exec -i head -c N >',
    ),
    figure(
      'file provider: list a folder of 10,000 files',
      median(listSamples),
      median(lsSamples),
      'ms',
      'lower',
      'kubectl exec ls -A',
    ),
  ];
}

export async function run(): Promise<Figure[]> {
  const kubeConfig = sandboxKubeConfig('admin');
  const core = kubeConfig.makeApiClient(k8s.CoreV1Api);
  const namespace = await createTestNamespace('bench-fwd');
  const bulk = await startBulkServer();
  const pod = 'bench-0';
  let kubectl: ChildProcess | undefined;
  try {
    await core.createNamespacedPod({
      namespace,
      body: {
        metadata: { name: pod, labels: { 'kube-ml.dev/devpod': 'bench' } },
        spec: { containers: [{ name: 'main', image: 'python:3.11' }] },
      },
    });
    await waitFor(
      async () =>
        (await core.readNamespacedPod({ namespace, name: pod })).status?.phase === 'Running',
      30_000,
      'the bench pod',
    );
    await mapPodPort(namespace, pod, bulk.port);

    const ours = await startPortForward(kubeConfig, {
      namespace,
      podName: pod,
      remotePort: BULK_PORT_IN_POD,
      localPort: 0,
    });
    const viaKubectl = await startKubectlForward(namespace, pod, BULK_PORT_IN_POD);
    kubectl = viaKubectl.process;
    // Rounds alternate which path goes first, so a load change on the machine hits both alike.
    const rounds: Record<'direct' | 'ours' | 'kubectl', (PathRound & { cpuUsedMs: number })[]> = {
      direct: [],
      ours: [],
      kubectl: [],
    };
    for (let round = 0; round < ROUNDS; round++) {
      progress(`round ${round + 1} of ${ROUNDS}`);
      rounds.direct.push(await measureRound(bulk.port));
      const order =
        round % 2 === 0 ? (['ours', 'kubectl'] as const) : (['kubectl', 'ours'] as const);
      for (const path of order) {
        rounds[path].push(
          path === 'ours'
            ? await measureRound(ours.localPort, ownCpuMs)
            : await measureRound(viaKubectl.localPort, () => processCpuMs(viaKubectl.process.pid!)),
        );
      }
    }
    const direct = pathFigures('direct', rounds.direct);
    const oursFigures = pathFigures(`ours (${ours.transport})`, rounds.ours);
    const kubectlFigures = pathFigures('kubectl', rounds.kubectl);
    ours.dispose();
    const figures: Figure[] = [
      figure(
        `port-forward throughput, ${BIG_TRANSFER_MIB} MiB transfer`,
        oursFigures.mibPerSecond,
        kubectlFigures.mibPerSecond,
        'MiB/s',
        'higher',
        'kubectl port-forward',
      ),
      figure(
        `port-forward throughput, ${BIG_TRANSFER_MIB} MiB transfer vs direct loopback`,
        oursFigures.mibPerSecond,
        direct.mibPerSecond,
        'MiB/s',
        'higher',
        'direct 127.0.0.1 (physical limit)',
      ),
      figure(
        'port-forward CPU time per GiB forwarded (forwarding process)',
        oursFigures.cpuMsPerGiB,
        kubectlFigures.cpuMsPerGiB,
        'ms',
        'lower',
        'kubectl port-forward',
      ),
      figure(
        'port-forward connection setup + 1-byte GET, p50',
        oursFigures.setupP50,
        kubectlFigures.setupP50,
        'ms',
        'lower',
        'kubectl port-forward',
      ),
      figure(
        'port-forward connection setup + 1-byte GET, p99',
        oursFigures.setupP99,
        kubectlFigures.setupP99,
        'ms',
        'lower',
        'kubectl port-forward',
      ),
      figure(
        'port-forward connection setup p50 vs direct loopback',
        oursFigures.setupP50,
        direct.setupP50,
        'ms',
        'lower',
        'direct 127.0.0.1 (physical limit)',
      ),
      figure(
        `port-forward ${CONCURRENT} concurrent connections x 1 MiB, wall time`,
        oursFigures.concurrentMs,
        kubectlFigures.concurrentMs,
        'ms',
        'lower',
        'kubectl port-forward',
      ),
      figure(
        `port-forward ${CONCURRENT} concurrent connections vs direct loopback`,
        oursFigures.concurrentMs,
        direct.concurrentMs,
        'ms',
        'lower',
        'direct 127.0.0.1 (physical limit)',
      ),
    ];
    progress('terminal');
    figures.push(...(await terminalFigures(kubeConfig, namespace, pod)));
    progress('files');
    figures.push(...(await fileFigures(kubeConfig, namespace, pod)));
    return figures;
  } finally {
    kubectl?.kill();
    bulk.process.kill();
    await deleteTestNamespace(namespace);
  }
}
