// Entry of the extension-host test suites, in the @vscode/test-electron shape: VS Code loads this
// bundle (dist/test/index.js) inside the extension host and awaits run(). The same entry serves
// both launchers: scripts/rig/runVscodeTests.ts (code-server + headless Chromium, no internet)
// and test/vscode/runWithTestElectron.ts (a downloaded VS Code desktop).
//
// Suites use mocha's BDD interface (describe/it/before/after); suite/test/suiteSetup/
// suiteTeardown/setup/teardown are aliased to it so TDD-style files work too. Every
// test/vscode/*.test.ts is picked up without editing this file: esbuild turns the template
// require below into a map of every matching file, and the list to load is read from the folder.
import * as fs from 'fs';
import * as path from 'path';
import Mocha from 'mocha';

const sourceFolder = path.resolve(__dirname, '..', '..', 'test', 'vscode');
const repoRoot = path.resolve(__dirname, '..', '..');

/** Where results go: KMW_VSCODE_RESULTS, or test-results/vscode-results.txt in the repo. */
export function resultsPath(): string {
  return (
    process.env.KMW_VSCODE_RESULTS || path.join(repoRoot, 'test-results', 'vscode-results.txt')
  );
}

function suiteNames(): string[] {
  const only = process.env.KMW_VSCODE_FILES?.split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  return fs
    .readdirSync(sourceFolder)
    .filter((file) => file.endsWith('.test.ts'))
    .map((file) => file.slice(0, -'.test.ts'.length))
    .filter((name) => !only || only.includes(name))
    .sort();
}

function loadSuite(name: string): void {
  // esbuild bundles every ./**/*.test.ts for this template require (an import() would be left to runtime).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require(`./${name}.test.ts`);
}

/** Gives TDD names to the BDD functions mocha installed on the global object. */
function aliasTddNames(context: Record<string, unknown>): void {
  const aliases: Record<string, string> = {
    suite: 'describe',
    test: 'it',
    suiteSetup: 'before',
    suiteTeardown: 'after',
    setup: 'beforeEach',
    teardown: 'afterEach',
  };
  for (const [tdd, bdd] of Object.entries(aliases)) {
    context[tdd] = context[bdd];
  }
}

/** A reporter that appends each result to the results file as it happens (a crash keeps what ran). */
function fileReporter(file: string) {
  return class FileReporter extends Mocha.reporters.Base {
    constructor(runner: Mocha.Runner, options?: Mocha.MochaOptions) {
      super(runner, options);
      const { EVENT_TEST_PASS, EVENT_TEST_FAIL, EVENT_TEST_PENDING, EVENT_RUN_END } =
        Mocha.Runner.constants;
      const write = (line: string) => {
        fs.appendFileSync(file, line + '\n');
        console.log(line);
      };
      let passed = 0;
      let failed = 0;
      let pending = 0;
      runner.on(EVENT_TEST_PASS, (test) => {
        passed++;
        write(`  ok    ${test.fullTitle()} (${test.duration ?? 0} ms)`);
      });
      runner.on(EVENT_TEST_FAIL, (test, error: Error) => {
        failed++;
        write(`  FAIL  ${test.fullTitle()}`);
        write(indent(error?.stack || String(error)));
      });
      runner.on(EVENT_TEST_PENDING, (test) => {
        pending++;
        write(`  SKIP  ${test.fullTitle()}`);
      });
      runner.on(EVENT_RUN_END, () => {
        write(`${passed} passed, ${failed} failed${pending ? `, ${pending} skipped` : ''}`);
      });
    }
  };
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `        ${line}`)
    .join('\n');
}

export async function run(): Promise<void> {
  const file = resultsPath();
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `Kube ML Workbench extension-host tests (${new Date().toISOString()})\n`);

  const mocha = new Mocha({
    ui: 'bdd',
    color: false,
    timeout: Number(process.env.KMW_TEST_TIMEOUT) || 30_000,
    grep: process.env.KMW_TEST_GREP || undefined,
    reporter: fileReporter(file),
  });
  const names = suiteNames();
  if (names.length === 0) {
    throw new Error(`No test/vscode/*.test.ts suites found in ${sourceFolder}`);
  }
  for (const name of names) {
    const suitePath = path.join(sourceFolder, `${name}.test.ts`);
    mocha.suite.emit(Mocha.Suite.constants.EVENT_FILE_PRE_REQUIRE, globalThis, suitePath, mocha);
    aliasTddNames(globalThis as unknown as Record<string, unknown>);
    loadSuite(name);
    mocha.suite.emit(Mocha.Suite.constants.EVENT_FILE_REQUIRE, {}, suitePath, mocha);
    mocha.suite.emit(Mocha.Suite.constants.EVENT_FILE_POST_REQUIRE, globalThis, suitePath, mocha);
  }

  const failures = await new Promise<number>((resolve) => mocha.run(resolve));
  if (failures > 0) {
    throw new Error(`${failures} extension-host test(s) failed; see ${file}`);
  }
}
