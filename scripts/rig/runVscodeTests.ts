// `npm run test:vscode`: runs test/vscode/*.test.ts inside the real extension host of code-server,
// loaded through the smoke-test driver payload (extensionDevelopmentPath/extensionTestsPath) in
// headless Chromium, against the sandbox cluster.
//
// Flags: --grep TEXT (only tests whose full title contains TEXT), --kubeconfig PATH (use this
// cluster instead of bringing the sandbox up), --no-build, --keep (keep the temp folders).
import * as fs from 'fs';
import * as path from 'path';
import { launchChromium } from './browser';
import {
  CodeServer,
  ensureSandbox,
  freePort,
  freshFolders,
  parseFlags,
  removeFolders,
  repoRoot,
  requireRigInstalled,
  runStep,
} from './codeServer';

const resultsDir = path.join(repoRoot, 'test-results');
const resultsFile = path.join(resultsDir, 'vscode-results.txt');
const overallTimeoutMs = Number(process.env.KMW_VSCODE_TIMEOUT_MS) || 15 * 60_000;

async function main(): Promise<number> {
  const started = Date.now();
  const { values, switches } = parseFlags(process.argv.slice(2));
  requireRigInstalled();
  // --extension-path lets the rig test itself with a probe extension while the product is broken.
  const extensionPath = path.resolve(values.get('extension-path') ?? repoRoot);
  if (!switches.has('no-build')) {
    runStep('build', 'npm', ['run', '--silent', 'build']);
  }
  const testsEntry = path.join(extensionPath, 'dist', 'test', 'index.js');
  if (!fs.existsSync(testsEntry)) {
    throw new Error(`${testsEntry} is missing: the build did not bundle test/vscode/index.ts`);
  }
  const kubeconfig = path.resolve(values.get('kubeconfig') ?? ensureSandbox());

  fs.mkdirSync(resultsDir, { recursive: true });
  fs.rmSync(resultsFile, { force: true });
  const folders = freshFolders('vscode');
  const server = await CodeServer.start({
    folders,
    port: await freePort(),
    smokeTestDriver: true,
    logFile: path.join(resultsDir, 'vscode-code-server.log'),
    env: {
      KUBECONFIG: kubeconfig,
      KMW_SANDBOX_KUBECONFIG: kubeconfig,
      KMW_VSCODE_RESULTS: resultsFile,
      ...(values.has('grep') ? { KMW_TEST_GREP: values.get('grep') as string } : {}),
    },
  });
  process.once('exit', () => server.stopNow());
  const context = await launchChromium(folders.browserProfile);
  const consoleLog = fs.createWriteStream(path.join(resultsDir, 'vscode-console.log'));
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (message) => consoleLog.write(`[${message.type()}] ${message.text()}\n`));
    page.on('pageerror', (error) => consoleLog.write(`[pageerror] ${error.message}\n`));
    const exitCode = new Promise<number>((resolve) => {
      void page.exposeFunction('codeAutomationExit', ((code: number) => resolve(code)) as (
        ...args: never[]
      ) => unknown);
    });
    const remote = (file: string) => `vscode-remote://remote${file}`;
    const payload = JSON.stringify([
      ['extensionDevelopmentPath', remote(extensionPath)],
      ['extensionTestsPath', remote(testsEntry)],
    ]);
    const url = `${server.url}/?folder=${encodeURIComponent(folders.workspace)}&payload=${encodeURIComponent(payload)}`;
    await page.goto(url, { waitUntil: 'domcontentloaded' });
    const timeout = new Promise<number>((resolve) => {
      setTimeout(() => {
        console.error(
          `rig: no exit code from the extension host after ${overallTimeoutMs / 1000} s`,
        );
        resolve(124);
      }, overallTimeoutMs).unref();
    });
    const code = await Promise.race([exitCode, timeout]);
    console.log(`\n--- ${path.relative(repoRoot, resultsFile)} ---`);
    console.log(
      fs.existsSync(resultsFile)
        ? fs.readFileSync(resultsFile, 'utf8').trimEnd()
        : '(no results file: the test entry did not run; see test-results/vscode-console.log)',
    );
    console.log(
      `rig: extension host exited with ${code}; test:vscode took ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
    return code;
  } finally {
    consoleLog.end();
    await context.close().catch(() => undefined);
    await server.stop();
    if (!switches.has('keep')) {
      removeFolders(folders);
    }
  }
}

main().then(
  (code) => process.exit(code === 0 ? 0 : 1),
  (error: unknown) => {
    console.error(`test:vscode: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
