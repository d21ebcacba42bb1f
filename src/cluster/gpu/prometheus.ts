/**
 * Parser for the Prometheus text exposition format (what the DCGM exporter serves on /metrics).
 * Pure and total: lines that do not parse are skipped and counted, never thrown.
 */
export interface PrometheusSample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
  readonly timestampMs?: number;
}

export interface PrometheusParseResult {
  readonly samples: PrometheusSample[];
  readonly rejectedLines: number;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;

function parseValue(text: string): number | undefined {
  switch (text) {
    case 'NaN':
      return Number.NaN;
    case '+Inf':
    case 'Inf':
      return Number.POSITIVE_INFINITY;
    case '-Inf':
      return Number.NEGATIVE_INFINITY;
  }
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) return undefined;
  return Number(text);
}

/** Reads `{a="x",b="y\"z"}` starting at `position` (just after '{'); returns labels and the end. */
function parseLabels(
  line: string,
  position: number,
): { labels: Record<string, string>; end: number } | undefined {
  const labels: Record<string, string> = {};
  let index = position;
  for (;;) {
    while (line[index] === ' ' || line[index] === ',') index++;
    if (line[index] === '}') return { labels, end: index + 1 };
    const name = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(line.slice(index));
    if (!name) return undefined;
    index += name[0].length;
    while (line[index] === ' ') index++;
    if (line[index] !== '=') return undefined;
    index++;
    while (line[index] === ' ') index++;
    if (line[index] !== '"') return undefined;
    index++;
    let value = '';
    for (;;) {
      const character = line[index];
      if (character === undefined) return undefined;
      if (character === '\\') {
        const escaped = line[index + 1];
        value += escaped === 'n' ? '\n' : (escaped ?? '');
        index += 2;
        continue;
      }
      if (character === '"') {
        index++;
        break;
      }
      value += character;
      index++;
    }
    labels[name[0]] = value;
  }
}

export function parsePrometheusText(text: string): PrometheusParseResult {
  const samples: PrometheusSample[] = [];
  let rejectedLines = 0;
  if (typeof text !== 'string') return { samples, rejectedLines };
  for (const rawLine of text.split('\n')) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) continue;
    const name = NAME.exec(line);
    if (!name) {
      rejectedLines++;
      continue;
    }
    let index = name[0].length;
    let labels: Record<string, string> = {};
    if (line[index] === '{') {
      const parsed = parseLabels(line, index + 1);
      if (!parsed) {
        rejectedLines++;
        continue;
      }
      labels = parsed.labels;
      index = parsed.end;
    }
    const rest = line.slice(index).trim().split(/\s+/);
    const value = rest[0] === undefined ? undefined : parseValue(rest[0]);
    if (value === undefined || rest.length > 2) {
      rejectedLines++;
      continue;
    }
    const timestampMs = rest[1] === undefined ? undefined : Number(rest[1]);
    if (timestampMs !== undefined && !Number.isFinite(timestampMs)) {
      rejectedLines++;
      continue;
    }
    samples.push({ name: name[0], labels, value, timestampMs });
  }
  return { samples, rejectedLines };
}
