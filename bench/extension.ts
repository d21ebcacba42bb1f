// Size of the packaged extension bundle and the time spent inside activate(), measured on the
// production bundle. activate() runs against a stand-in `vscode` module (every API call answers
// with an inert object) so only our own work is timed: building services, reading the kubeconfig,
// registering views and commands. Watches it starts are disposed before the next round.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Module from 'node:module';
import * as esbuild from 'esbuild';
import { SANDBOX_KUBECONFIG } from '../test/cluster/sandbox';
import { figure, median, timeMs, type Figure } from './figures';

const repoRoot = path.resolve(__dirname, '..');

/** An object that accepts any property access, call or construction and stays inert. */
function inert(): unknown {
  const target = function () {
    /* inert */
  };
  return new Proxy(target, {
    get: (_target, property) => {
      if (property === 'then') return undefined;
      if (property === Symbol.toPrimitive) return () => '';
      if (property === Symbol.iterator) return function* () {};
      return inert();
    },
    set: () => true,
    apply: () => inert(),
    construct: () => inert() as object,
  });
}

/**
 * The stand-in module: every class, namespace, enum and function @types/vscode declares, each inert.
 * (esbuild's ESM interop copies own properties, so the names must be real keys.)
 */
function fakeVscode(): Record<string, unknown> {
  const declarations = fs.readFileSync(
    path.join(repoRoot, 'node_modules/@types/vscode/index.d.ts'),
    'utf8',
  );
  const names = new Set<string>();
  for (const match of declarations.matchAll(
    /^\s{1,4}export (?:class|namespace|enum|const|function|let) (\w+)/gm,
  ))
    names.add(match[1]);
  return Object.fromEntries([...names].map((name) => [name, inert()]));
}

function fakeContext(storage: string): { subscriptions: { dispose(): unknown }[] } {
  const base: Record<string, unknown> = {
    subscriptions: [],
    extensionPath: repoRoot,
    extensionUri: inert(),
    asAbsolutePath: (relative: string) => path.join(repoRoot, relative),
    storagePath: storage,
    globalStoragePath: storage,
    logPath: storage,
    globalState: {
      get: (_key: string, fallback?: unknown) => fallback,
      update: async () => undefined,
      keys: () => [],
      setKeysForSync: () => undefined,
    },
    workspaceState: {
      get: (_key: string, fallback?: unknown) => fallback,
      update: async () => undefined,
      keys: () => [],
    },
  };
  return new Proxy(base, {
    get: (target, property) => (property in target ? target[property as string] : inert()),
  }) as unknown as { subscriptions: { dispose(): unknown }[] };
}

async function productionBundle(outdir: string): Promise<string> {
  await esbuild.build({
    entryPoints: { extension: path.join(repoRoot, 'src/extension.ts') },
    outdir,
    bundle: true,
    minify: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    external: ['vscode'],
    logLevel: 'error',
  });
  return path.join(outdir, 'extension.js');
}

/** Installed size of the production dependencies the bundle replaces (what an unbundled .vsix would ship). */
function dependencyBytes(): number {
  const seen = new Set<string>();
  const sizeOf = (dir: string): number => {
    let total = 0;
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) total += sizeOf(full);
      else if (entry.isFile()) total += fs.statSync(full).size;
    }
    return total;
  };
  const visit = (name: string): number => {
    if (seen.has(name)) return 0;
    seen.add(name);
    const dir = path.join(repoRoot, 'node_modules', name);
    if (!fs.existsSync(dir)) return 0;
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as {
      dependencies?: Record<string, string>;
    };
    return (
      sizeOf(dir) +
      Object.keys(manifest.dependencies ?? {}).reduce(
        (sum, dependency) => sum + visit(dependency),
        0,
      )
    );
  };
  const manifest = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
  };
  return Object.keys(manifest.dependencies).reduce((sum, dependency) => sum + visit(dependency), 0);
}

/** CommonJS load of the bundle, through Module._load so the stand-in vscode module applies. */
const loadBundle = Module.createRequire(__filename);

export async function run(): Promise<Figure[]> {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'kmw-bench-bundle-'));
  try {
    const bundle = await productionBundle(outdir);
    const bundleMiB = fs.statSync(bundle).size / 2 ** 20;
    const dependenciesMiB = dependencyBytes() / 2 ** 20;

    const loader = Module as unknown as { _load: (request: string, ...rest: unknown[]) => unknown };
    const originalLoad = loader._load;
    const vscode = fakeVscode();
    loader._load = function (request: string, ...rest: unknown[]) {
      return request === 'vscode' ? vscode : originalLoad.call(this, request, ...rest);
    };
    const previousKubeconfig = process.env.KUBECONFIG;
    process.env.KUBECONFIG = SANDBOX_KUBECONFIG;
    const loads: number[] = [];
    const activations: number[] = [];
    try {
      for (let i = 0; i < 6; i++) {
        const copy = path.join(outdir, `extension-${i}.js`);
        fs.copyFileSync(bundle, copy);
        let extension: { activate(context: unknown): unknown } | undefined;
        const loadMs = await timeMs(() => {
          extension = loadBundle(copy) as { activate(context: unknown): unknown };
        });
        const context = fakeContext(outdir);
        const activateMs = await timeMs(() => extension!.activate(context));
        for (const subscription of context.subscriptions.splice(0).reverse())
          subscription.dispose();
        // The first round pays for disk and JIT warm-up; a VS Code window activates once, so it counts too.
        loads.push(loadMs);
        activations.push(activateMs);
      }
    } finally {
      loader._load = originalLoad;
      if (previousKubeconfig === undefined) delete process.env.KUBECONFIG;
      else process.env.KUBECONFIG = previousKubeconfig;
    }
    return [
      figure(
        'production bundle dist/extension.js (ref: installed production dependencies it replaces)',
        bundleMiB,
        dependenciesMiB,
        'MiB',
        'lower',
        'node_modules',
      ),
      figure(
        'time inside activate(), first window (ref: require() of the bundle)',
        activations[0],
        loads[0],
        'ms',
        'lower',
        'bundle load',
      ),
      figure(
        'time inside activate(), warm median (ref: require() of the bundle)',
        median(activations.slice(1)),
        median(loads.slice(1)),
        'ms',
        'lower',
        'bundle load',
      ),
    ];
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}
