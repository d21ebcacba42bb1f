import type { V1Pod } from '@kubernetes/client-node';

export interface PortChoice {
  readonly port: number;
  readonly label: string;
  /** Where the suggestion comes from, shown beside it. */
  readonly source: 'declared' | 'wellKnown';
  /** Path to open in the browser (TensorBoard and Jupyter start at the root). */
  readonly path?: string;
}

/** Browser tools an ML workstation usually runs. */
export const WELL_KNOWN_PORTS: readonly PortChoice[] = [
  { port: 8888, label: 'Jupyter', source: 'wellKnown' },
  { port: 6006, label: 'TensorBoard', source: 'wellKnown' },
  { port: 7860, label: 'Gradio', source: 'wellKnown' },
  { port: 8501, label: 'Streamlit', source: 'wellKnown' },
  { port: 8000, label: 'Model server', source: 'wellKnown' },
  { port: 8265, label: 'Ray dashboard', source: 'wellKnown' },
];

/** Ports the pod spec declares first (the image author knows best), then the well-known ones not declared. */
export function portChoices(pod: V1Pod | undefined, container?: string): PortChoice[] {
  const declared: PortChoice[] = [];
  for (const candidate of pod?.spec?.containers ?? []) {
    if (container && candidate.name !== container) continue;
    for (const port of candidate.ports ?? []) {
      if (
        (port.protocol ?? 'TCP') !== 'TCP' ||
        declared.some((choice) => choice.port === port.containerPort)
      )
        continue;
      const known = WELL_KNOWN_PORTS.find((choice) => choice.port === port.containerPort);
      declared.push({
        port: port.containerPort,
        label: port.name ?? known?.label ?? `${candidate.name} port`,
        source: 'declared',
      });
    }
  }
  return [
    ...declared,
    ...WELL_KNOWN_PORTS.filter((known) => !declared.some((choice) => choice.port === known.port)),
  ];
}

/** Validates a typed port; returns the message to show, or undefined when fine. */
export function validatePortInput(text: string): string | undefined {
  if (!/^\d+$/.test(text.trim())) return 'Enter a port number (1-65535).';
  const port = Number(text.trim());
  return port >= 1 && port <= 65535 ? undefined : 'A port is between 1 and 65535.';
}

/** Human-readable byte count for the view ("1.5 MiB"). */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}
