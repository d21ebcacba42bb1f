// Bundles the extension host code, each webview (every folder under src/webviews with a main.ts)
// and the extension-host test entry. `--production` minifies; `--watch` rebuilds on change.
const esbuild = require('esbuild');
const fs = require('fs');
const path = require('path');

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

const webviewRoot = path.join(__dirname, 'src', 'webviews');
const webviewEntries = fs.existsSync(webviewRoot)
  ? fs
      .readdirSync(webviewRoot)
      .filter((name) => fs.existsSync(path.join(webviewRoot, name, 'main.ts')))
      .map((name) => ({ in: path.join(webviewRoot, name, 'main.ts'), out: name }))
  : [];

const shared = { bundle: true, sourcemap: !production, minify: production, logLevel: 'warning' };

const builds = [
  {
    ...shared,
    entryPoints: { extension: 'src/extension.ts' },
    outdir: 'dist',
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    external: ['vscode'],
  },
  {
    ...shared,
    entryPoints: webviewEntries,
    outdir: 'media/webviews',
    platform: 'browser',
    target: 'es2022',
    format: 'iife',
    loader: { '.css': 'css' },
  },
];
// The ssh ProxyCommand that Attach Workspace writes runs this script with VS Code's Node.
if (fs.existsSync('src/attach/sshProxy.ts')) {
  builds.push({
    ...shared,
    entryPoints: { sshProxy: 'src/attach/sshProxy.ts' },
    outdir: 'dist',
    platform: 'node',
    target: 'node20',
    format: 'cjs',
  });
}
if (!production && fs.existsSync('test/vscode/index.ts')) {
  builds.push({
    ...shared,
    entryPoints: { index: 'test/vscode/index.ts' },
    outdir: 'dist/test',
    // mocha's optional require.resolve calls are harmless in the bundle.
    logOverride: { 'require-resolve-not-external': 'silent' },
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    external: ['vscode'],
  });
}

async function main() {
  const contexts = await Promise.all(
    builds.filter((b) => Object.keys(b.entryPoints).length > 0).map((b) => esbuild.context(b)),
  );
  if (watch) {
    await Promise.all(contexts.map((c) => c.watch()));
    return;
  }
  await Promise.all(contexts.map((c) => c.rebuild()));
  await Promise.all(contexts.map((c) => c.dispose()));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
