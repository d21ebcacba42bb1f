// `npm run test:e2e`: packages the extension, installs the .vsix into a fresh extensions folder,
// starts code-server (without the smoke-test driver, so notifications show) against the sandbox
// cluster, and runs every test/e2e/*.e2e.ts journey in headless Chromium like a person would.
// Screenshots go to test-results/<journey>-<step>.png; the run ends with `N passed, N failed`.
//
// Flags: --journey NAME (or --grep NAME: only journeys whose name contains it), --kubeconfig PATH
// (use this cluster instead of the sandbox), --vsix PATH (skip packaging), --keep (keep temp folders).
import * as fs from 'fs';
import * as path from 'path';
import { launchChromium, type Page } from './browser';
import {
  CodeServer,
  ensureSandbox,
  freePort,
  freshFolders,
  installVsix,
  parseFlags,
  removeFolders,
  repoRoot,
  requireRigInstalled,
  runStep,
} from './codeServer';
import type { Journey, JourneyContext } from '../../test/e2e/harness';
import { Workbench } from '../../test/e2e/workbench';
import { waitFor } from '../../test/waitFor';

const e2eFolder = path.join(repoRoot, 'test', 'e2e');
const resultsDir = path.join(repoRoot, 'test-results');
const defaultJourneyTimeoutMs = 120_000;
/** Journeys run alphabetically, except explorer first: it checks the basics the others assume. */
const firstJourney = 'explorer';

async function loadJourneys(filter: string | undefined): Promise<Journey[]> {
  const files = fs
    .readdirSync(e2eFolder)
    .filter((file) => file.endsWith('.e2e.ts'))
    .sort(
      (a, b) =>
        Number(b.startsWith(firstJourney)) - Number(a.startsWith(firstJourney)) ||
        a.localeCompare(b),
    );
  const journeys: Journey[] = [];
  const seen = new Set<string>();
  for (const file of files) {
    const module = (await import(path.join(e2eFolder, file))) as { journey?: Journey };
    if (!module.journey || typeof module.journey.run !== 'function') {
      throw new Error(
        `test/e2e/${file} does not export \`journey: Journey\` (see test/e2e/harness.ts)`,
      );
    }
    if (seen.has(module.journey.name)) {
      throw new Error(`test/e2e/${file}: journey name "${module.journey.name}" is used twice`);
    }
    seen.add(module.journey.name);
    if (!filter || module.journey.name.includes(filter)) {
      journeys.push(module.journey);
    }
  }
  return journeys;
}

function withTimeout<T>(task: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what} did not finish within ${timeoutMs / 1000} s`)),
      timeoutMs,
    );
  });
  return Promise.race([task, timeout]).finally(() => clearTimeout(timer));
}

async function main(): Promise<number> {
  const started = Date.now();
  const { values, switches } = parseFlags(process.argv.slice(2));
  requireRigInstalled();
  const journeys = await loadJourneys(values.get('journey') ?? values.get('grep'));
  if (journeys.length === 0) {
    throw new Error('no journey matched');
  }
  let vsix = values.get('vsix');
  if (!vsix) {
    runStep('package', 'npm', ['run', '--silent', 'package']);
    vsix = path.join(repoRoot, 'dist', 'kube-ml-workbench.vsix');
  }
  const kubeconfig = path.resolve(values.get('kubeconfig') ?? ensureSandbox());

  fs.mkdirSync(resultsDir, { recursive: true });
  const folders = freshFolders('e2e');
  installVsix(path.resolve(vsix), folders);
  const server = await CodeServer.start({
    folders,
    port: await freePort(),
    logFile: path.join(resultsDir, 'e2e-code-server.log'),
    env: { KUBECONFIG: kubeconfig, KMW_SANDBOX_KUBECONFIG: kubeconfig },
  });
  process.once('exit', () => server.stopNow());
  const browser = await launchChromium(folders.browserProfile);
  const workbenchUrl = `${server.url}/?folder=${encodeURIComponent(folders.workspace)}`;
  const consoleLog = fs.createWriteStream(path.join(resultsDir, 'e2e-console.log'));
  const results: {
    name: string;
    ok: boolean;
    seconds: number;
    error?: string;
    screenshots: string[];
  }[] = [];
  try {
    for (const journey of journeys) {
      const journeyStarted = Date.now();
      const screenshots: string[] = [];
      const page: Page = await browser.newPage();
      page.on('console', (message) => {
        if (message.type() === 'error' || message.type() === 'warning') {
          consoleLog.write(`[${journey.name}] [${message.type()}] ${message.text()}\n`);
        }
      });
      page.on('pageerror', (error) =>
        consoleLog.write(`[${journey.name}] [pageerror] ${error.message}\n`),
      );
      const workbench = new Workbench(page);
      const context: JourneyContext = {
        workbench,
        kubeconfigPath: kubeconfig,
        vsixPath: path.resolve(vsix),
        workspacePath: folders.workspace,
        repoRoot,
        log: (message) => console.log(`  [${journey.name}] ${message}`),
        waitFor,
        async screenshot(step, target) {
          const file = path.join(resultsDir, `${journey.name}-${step}.png`);
          await (target ?? page).screenshot({ path: file });
          screenshots.push(path.relative(repoRoot, file));
          return file;
        },
      };
      console.log(`\n> ${journey.name}`);
      try {
        await withTimeout(
          (async () => {
            await page.goto(workbenchUrl, { waitUntil: 'domcontentloaded' });
            await workbench.waitReady();
            await journey.run(page, context);
          })(),
          journey.timeoutMs ?? defaultJourneyTimeoutMs,
          `journey ${journey.name}`,
        );
        results.push({
          name: journey.name,
          ok: true,
          seconds: (Date.now() - journeyStarted) / 1000,
          screenshots,
        });
      } catch (error) {
        const failureShot = path.join(resultsDir, `${journey.name}-failure.png`);
        await page.screenshot({ path: failureShot }).catch(() => undefined);
        screenshots.push(path.relative(repoRoot, failureShot));
        results.push({
          name: journey.name,
          ok: false,
          seconds: (Date.now() - journeyStarted) / 1000,
          error: error instanceof Error ? (error.stack ?? error.message) : String(error),
          screenshots,
        });
      } finally {
        await page.close().catch(() => undefined);
      }
      const result = results[results.length - 1];
      console.log(
        `  ${result.ok ? 'ok  ' : 'FAIL'}  ${journey.name} (${result.seconds.toFixed(1)} s)${result.error ? `\n${indent(result.error)}` : ''}`,
      );
      for (const shot of result.screenshots) {
        console.log(`        ${shot}`);
      }
    }
  } finally {
    consoleLog.end();
    await browser.close().catch(() => undefined);
    await server.stop();
    if (!switches.has('keep')) {
      removeFolders(folders);
    }
  }
  const passed = results.filter((r) => r.ok).length;
  const failed = results.length - passed;
  const summary = `${passed} passed, ${failed} failed`;
  const report = results
    .map(
      (r) =>
        `${r.ok ? 'ok  ' : 'FAIL'}  ${r.name} (${r.seconds.toFixed(1)} s)${r.error ? `\n${indent(r.error)}` : ''}\n${r.screenshots.map((s) => `        ${s}`).join('\n')}`,
    )
    .join('\n');
  fs.writeFileSync(path.join(resultsDir, 'e2e-results.txt'), `${report}\n${summary}\n`);
  console.log(`\n${summary}`);
  console.log(`rig: test:e2e took ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return failed === 0 ? 0 : 1;
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `        ${line}`)
    .join('\n');
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`test:e2e: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
