// The second launcher of the extension-host suites, for contributors with internet: downloads VS
// Code desktop through @vscode/test-electron and runs the same entry (dist/test/index.js) that
// `npm run test:vscode` runs inside code-server. Run after `npm run build` and
// `npm run sandbox -- up`:
//   bash scripts/with-node24.sh tsx test/vscode/runWithTestElectron.ts [--grep TEXT]
// (add `xvfb-run -a` in front on a Linux machine without a display).
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runTests } from '@vscode/test-electron';

async function main(): Promise<void> {
  const repoRoot = path.resolve(__dirname, '..', '..');
  const kubeconfig =
    process.env.KMW_SANDBOX_KUBECONFIG || path.join(repoRoot, '.sandbox', 'kubeconfig');
  if (!fs.existsSync(kubeconfig)) {
    throw new Error(
      `${kubeconfig} is missing: run \`npm run sandbox -- up\` (or set KMW_SANDBOX_KUBECONFIG)`,
    );
  }
  const grepAt = process.argv.indexOf('--grep');
  const grep = grepAt >= 0 ? process.argv[grepAt + 1] : undefined;
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'kmw-electron-'));
  const workspace = path.join(scratch, 'workspace');
  fs.mkdirSync(path.join(workspace, '.vscode'), { recursive: true });
  fs.writeFileSync(
    path.join(workspace, '.vscode', 'settings.json'),
    JSON.stringify({ 'workbench.secondarySideBar.defaultVisibility': 'hidden' }),
  );
  try {
    const exitCode = await runTests({
      // The download stays in the rig cache, out of the repo.
      cachePath: path.join(
        process.env.KMW_CACHE || path.join(os.homedir(), '.cache', 'kube-ml-workbench'),
        'vscode-test',
      ),
      extensionDevelopmentPath: repoRoot,
      extensionTestsPath: path.join(repoRoot, 'dist', 'test', 'index.js'),
      extensionTestsEnv: {
        KUBECONFIG: kubeconfig,
        KMW_SANDBOX_KUBECONFIG: kubeconfig,
        KMW_VSCODE_RESULTS: path.join(repoRoot, 'test-results', 'vscode-results.txt'),
        ...(grep ? { KMW_TEST_GREP: grep } : {}),
      },
      launchArgs: [
        workspace,
        '--user-data-dir',
        path.join(scratch, 'user-data'),
        '--extensions-dir',
        path.join(scratch, 'extensions'),
        '--disable-workspace-trust',
        '--disable-extensions',
      ],
    });
    process.exitCode = exitCode;
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
  const results = path.join(repoRoot, 'test-results', 'vscode-results.txt');
  if (fs.existsSync(results)) {
    console.log(fs.readFileSync(results, 'utf8').trimEnd());
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
