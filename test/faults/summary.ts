// What the fault suite measured, per scenario, gathered across its runs and written at the end to
// test-results/faults.json (`npm run bench -- faults` turns it into docs/RELIABILITY.md's tables).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface ScenarioRun {
  /** "log follow", "port-forward", ... */
  readonly scenario: string;
  /** "API-server kill -9", "container restart", ... */
  readonly fault: string;
  /** What `lost` and `duplicated` count: "lines", "requests", "pods". */
  readonly unit: string;
  readonly lost: number;
  readonly duplicated: number;
  /** Seconds the fault cut the subject off (kill to first success again); undefined if not cut off. */
  readonly outageSeconds?: number;
  /** The product recovered by itself, with no user action. */
  readonly recovered: boolean;
  /** What kubectl did under the same fault. */
  readonly kubectl: string;
}

export interface ScenarioSummary {
  readonly scenario: string;
  readonly fault: string;
  readonly unit: string;
  runs: number;
  lost: number;
  duplicated: number;
  recovered: number;
  outageSeconds: number[];
  kubectl: string[];
}

export interface FaultsReport {
  readonly finishedAt: string;
  readonly loadAverage: readonly number[];
  readonly cpus: number;
  readonly scenarios: ScenarioSummary[];
}

/** Each fault is injected this many times (KMW_FAULT_RUNS, default 2): one pass proves little about a race. */
export const FAULT_RUNS = Array.from(
  { length: Math.max(1, Number(process.env.KMW_FAULT_RUNS) || 2) },
  (_, index) => index + 1,
);

export const FAULTS_REPORT = path.resolve(__dirname, '..', '..', 'test-results', 'faults.json');

const summaries = new Map<string, ScenarioSummary>();
const loadSamples: number[][] = [];

export function recordRun(run: ScenarioRun): void {
  const key = `${run.scenario}\u0000${run.fault}`;
  const summary = summaries.get(key) ?? {
    scenario: run.scenario,
    fault: run.fault,
    unit: run.unit,
    runs: 0,
    lost: 0,
    duplicated: 0,
    recovered: 0,
    outageSeconds: [],
    kubectl: [],
  };
  summaries.set(key, summary);
  summary.runs += 1;
  summary.lost += run.lost;
  summary.duplicated += run.duplicated;
  summary.recovered += run.recovered ? 1 : 0;
  if (run.outageSeconds !== undefined)
    summary.outageSeconds.push(Number(run.outageSeconds.toFixed(2)));
  summary.kubectl.push(run.kubectl);
  loadSamples.push(os.loadavg());
}

export const mochaHooks = {
  afterAll(): void {
    if (summaries.size === 0) return;
    const loadAverage = [0, 1, 2].map((index) =>
      Number(
        (loadSamples.reduce((sum, sample) => sum + sample[index], 0) / loadSamples.length).toFixed(
          2,
        ),
      ),
    );
    const report: FaultsReport = {
      finishedAt: new Date().toISOString(),
      loadAverage,
      cpus: os.cpus().length,
      scenarios: [...summaries.values()],
    };
    fs.mkdirSync(path.dirname(FAULTS_REPORT), { recursive: true });
    fs.writeFileSync(FAULTS_REPORT, `${JSON.stringify(report, null, 2)}\n`);
    console.log(
      `\nfaults: wrote ${path.relative(process.cwd(), FAULTS_REPORT)} (${report.scenarios.length} scenarios)`,
    );
  },
};
