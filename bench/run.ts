// `npm run bench -- NAME`: runs bench/NAME.ts's exported run(), prints ours vs reference and writes
// bench/results/NAME.json. Without a name it lists the benchmarks.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { formatTable, type Figure } from './figures';

function available(): string[] {
  return fs
    .readdirSync(__dirname)
    .filter((file) => file.endsWith('.ts') && !['run.ts', 'figures.ts'].includes(file))
    .map((file) => file.slice(0, -3))
    .sort();
}

async function main(): Promise<void> {
  const name = process.argv[2];
  if (!name || !/^[A-Za-z0-9_-]+$/.test(name) || !available().includes(name)) {
    console.error(`usage: npm run bench -- NAME (one of: ${available().join(', ') || 'none'})`);
    process.exitCode = 2;
    return;
  }
  const module = (await import(path.join(__dirname, `${name}.ts`))) as {
    run?: () => Promise<Figure[]>;
  };
  if (typeof module.run !== 'function') {
    throw new Error(`bench/${name}.ts does not export run(): Promise<Figure[]>`);
  }
  const started = Date.now();
  const figures = await module.run();
  console.log(
    `\n${name} (${((Date.now() - started) / 1000).toFixed(1)} s; ratio = ours / reference)\n`,
  );
  console.log(formatTable(figures));
  const resultsDir = path.join(__dirname, 'results');
  fs.mkdirSync(resultsDir, { recursive: true });
  const file = path.join(resultsDir, `${name}.json`);
  fs.writeFileSync(
    file,
    `${JSON.stringify(
      figures.map(({ figure, ours, reference, unit, ratio, better }) => ({
        figure,
        ours,
        reference,
        unit,
        ratio,
        better,
      })),
      null,
      2,
    )}\n`,
  );
  console.log(`\nwrote ${path.relative(process.cwd(), file)}`);
}

main().then(
  () => process.exit(process.exitCode ?? 0),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
