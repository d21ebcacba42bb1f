import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * The layers (docs/ARCHITECTURE.md): src/cluster (the core) ← src/common (the VS Code kit) ←
 * features ← src/extension.ts; webviews take types from the host and values only from pure core
 * modules. Imports are relative, so a rule per folder depth turns "leaves the layer" into a
 * pattern on the specifier: going up exactly to src/ and down into anything not allowed.
 */
const FEATURES = [
  'attach',
  'devPods',
  'explorer',
  'forwarding',
  'gpuMetrics',
  'jobs',
  'logs',
  'serving',
  'terminals',
];
const MAX_DEPTH = 4;
/** Core modules a webview bundle may import values from: pure, no Node built-ins. */
const WEBVIEW_SAFE_CORE = ['cluster/logs/ansi', 'cluster/logs/trainingMetrics'];

const noChildProcess = {
  name: 'child_process',
  message:
    'The product talks to the API server directly; only tests, benches and scripts may spawn processes.',
};
const noVscode = {
  name: 'vscode',
  message: 'src/cluster is the core: no vscode import (docs/ARCHITECTURE.md).',
};
const noVscodeInModel = { name: 'vscode', message: 'model/ holds pure logic: no vscode import.' };

function escape(text) {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** The rule for a file `depth` folders below src/ that may reach only `allowed` (regex alternatives under src/). */
function layerRule(depth, allowed, { paths, allowTypeImports = false, message }) {
  const regex = `^(\\.\\./){${depth}}(?!(${allowed.join('|')})(/|$))`;
  return {
    '@typescript-eslint/no-restricted-imports': [
      'error',
      { paths, patterns: [{ regex, allowTypeImports, message }] },
    ],
  };
}

/**
 * Config blocks for the files of `folder` at every depth. Files under a model/ folder also may not
 * import vscode. A later block replaces a rule's options for the files it matches, so each block
 * states the whole rule.
 */
function layer(folder, allowed, { paths = [noChildProcess], allowTypeImports = false, message }) {
  return Array.from({ length: MAX_DEPTH }, (_, index) => [
    {
      files: [`src/${folder}/${'*/'.repeat(index)}*.ts`],
      rules: layerRule(index + 1, allowed, { paths, allowTypeImports, message }),
    },
    ...(index > 0 && !paths.includes(noVscode)
      ? [
          {
            files: [`src/${folder}/model/${'*/'.repeat(index - 1)}*.ts`],
            rules: layerRule(index + 1, allowed, {
              paths: [...paths, noVscodeInModel],
              allowTypeImports,
              message,
            }),
          },
        ]
      : []),
  ]).flat();
}

const CORE_MESSAGE = 'src/cluster is the core: it imports nothing above it.';

const featureLayers = FEATURES.flatMap((feature) =>
  layer(feature, ['cluster', 'common', escape(feature), 'webviews/[^/]+/protocol$'], {
    message: `A feature imports the core (src/cluster), the VS Code kit (src/common), itself and webview protocols only; what two features share belongs in a lower layer.`,
  }),
);

export default tseslint.config(
  { ignores: ['dist/**', 'media/**', 'node_modules/**', 'esbuild.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-restricted-imports': 'off',
      '@typescript-eslint/no-restricted-imports': ['error', { paths: [noChildProcess] }],
    },
  },
  ...layer('cluster', ['cluster'], { paths: [noVscode, noChildProcess], message: CORE_MESSAGE }),
  ...layer('common', ['cluster', 'common'], {
    message: 'src/common is the VS Code kit: it imports the core and itself, never a feature.',
  }),
  ...featureLayers,
  ...layer(
    'webviews',
    ['webviews', ...WEBVIEW_SAFE_CORE.map(escape).map((module) => `${module}$`)],
    {
      paths: [
        noChildProcess,
        {
          name: 'vscode',
          message: 'A webview runs in the browser: it talks to the host through its protocol.',
        },
      ],
      allowTypeImports: true,
      message:
        'A webview imports host code only as types, or pure core modules listed in eslint.config.mjs.',
    },
  ),
  // The kubeconfig's exec credential plugins are programs by definition: this one module runs them.
  {
    files: ['src/cluster/execCredentials/pluginProcess.ts'],
    rules: layerRule(2, ['cluster'], { paths: [noVscode], message: CORE_MESSAGE }),
  },
  {
    files: ['test/**', 'bench/**', 'scripts/**'],
    rules: { '@typescript-eslint/no-restricted-imports': 'off' },
  },
);
