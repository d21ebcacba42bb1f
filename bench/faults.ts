// `npm run bench -- faults`: renders the fault suite's own summary (test-results/faults.json,
// written by `npm run test:faults`) as docs/RELIABILITY.md's tables. The figures are runs that
// recovered by themselves against runs made (the reference: every run).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FAULTS_REPORT, type FaultsReport, type ScenarioSummary } from '../test/faults/summary';
import { figure, type Figure } from './figures';

const RELIABILITY_DOC = path.resolve(__dirname, '..', 'docs', 'RELIABILITY.md');
const BEGIN = '<!-- faults:begin (written by `npm run bench -- faults`) -->';
const END = '<!-- faults:end -->';

function outage(seconds: readonly number[]): string {
  if (seconds.length === 0) return 'none';
  const sorted = [...seconds].sort((left, right) => left - right);
  return sorted[0] === sorted[sorted.length - 1]
    ? `${sorted[0]} s`
    : `${sorted[0]}-${sorted[sorted.length - 1]} s`;
}

function table(scenarios: readonly ScenarioSummary[]): string {
  const rows = scenarios.map(
    (scenario) =>
      `| ${scenario.fault} | ${scenario.runs} | ${scenario.lost} ${scenario.unit} | ${scenario.duplicated} | ${outage(scenario.outageSeconds)} | ${scenario.recovered}/${scenario.runs} | ${[...new Set(scenario.kubectl)].join('; ').replace(/\|/g, '\\|')} |`,
  );
  return [
    '| Fault | Runs | Lost | Duplicated | Outage | Recovered by itself | kubectl |',
    '|---|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

export function renderReport(report: FaultsReport): string {
  const byScenario = new Map<string, ScenarioSummary[]>();
  for (const scenario of report.scenarios)
    byScenario.set(scenario.scenario, [...(byScenario.get(scenario.scenario) ?? []), scenario]);
  const sections = [...byScenario].map(([name, scenarios]) => `### ${name}\n\n${table(scenarios)}`);
  const load = report.loadAverage.join(', ');
  return [
    BEGIN,
    `Run finished ${report.finishedAt} on ${report.cpus} cores, load average (1, 5, 15 min) during the runs: ${load}.`,
    ...sections,
    END,
  ].join('\n\n');
}

export async function run(): Promise<Figure[]> {
  if (!fs.existsSync(FAULTS_REPORT))
    throw new Error(`${FAULTS_REPORT} does not exist: run \`npm run test:faults\` first`);
  const report = JSON.parse(fs.readFileSync(FAULTS_REPORT, 'utf8')) as FaultsReport;
  const doc = fs.readFileSync(RELIABILITY_DOC, 'utf8');
  const start = doc.indexOf(BEGIN);
  const end = doc.indexOf(END);
  if (start === -1 || end === -1)
    throw new Error(`${RELIABILITY_DOC} lacks the ${BEGIN} ... ${END} markers`);
  fs.writeFileSync(
    RELIABILITY_DOC,
    doc.slice(0, start) + renderReport(report) + doc.slice(end + END.length),
  );
  console.log(`wrote the tables of ${path.relative(process.cwd(), RELIABILITY_DOC)}`);
  return report.scenarios.map((scenario) =>
    figure(
      `${scenario.scenario}, ${scenario.fault}: runs recovered by themselves`,
      scenario.recovered,
      scenario.runs,
      'runs',
      'higher',
      'runs made',
    ),
  );
}
