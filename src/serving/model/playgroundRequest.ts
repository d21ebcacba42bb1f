/** Chat or plain completion, the two OpenAI-compatible modes the playground offers. */
export type PlaygroundMode = 'chat' | 'completion';

export interface SamplingParameters {
  readonly temperature: number;
  readonly maxTokens: number;
  readonly topP: number;
  /** Stop sequences; empty = none. */
  readonly stop: readonly string[];
}

export interface ChatMessage {
  readonly role: 'system' | 'user' | 'assistant';
  readonly content: string;
}

export interface PlaygroundPrompt {
  readonly mode: PlaygroundMode;
  /** The served model name (GET /v1/models lists it). */
  readonly model: string;
  readonly systemPrompt: string;
  /** Chat: earlier turns then the new user message. Completion: one user message = the prompt. */
  readonly messages: readonly ChatMessage[];
  readonly parameters: SamplingParameters;
}

export const DEFAULT_PARAMETERS: SamplingParameters = {
  temperature: 0.7,
  maxTokens: 256,
  topP: 1,
  stop: [],
};

export function validateParameters(parameters: SamplingParameters): string[] {
  const problems: string[] = [];
  if (!(parameters.temperature >= 0 && parameters.temperature <= 2))
    problems.push(`temperature ${parameters.temperature} must be between 0 and 2.`);
  if (
    !Number.isInteger(parameters.maxTokens) ||
    parameters.maxTokens < 1 ||
    parameters.maxTokens > 131072
  )
    problems.push(`max tokens ${parameters.maxTokens} must be a whole number from 1 to 131072.`);
  if (!(parameters.topP > 0 && parameters.topP <= 1))
    problems.push(`top_p ${parameters.topP} must be above 0 and at most 1.`);
  if (parameters.stop.length > 4)
    problems.push('at most 4 stop sequences are allowed by the OpenAI API.');
  return problems;
}

export interface HttpRequestPlan {
  readonly path: '/v1/chat/completions' | '/v1/completions';
  readonly body: Record<string, unknown>;
}

/** The streaming request body for the prompt, exactly as the playground sends it. */
export function buildCompletionRequest(prompt: PlaygroundPrompt): HttpRequestPlan {
  const { parameters } = prompt;
  const common = {
    model: prompt.model,
    stream: true,
    // Ask for token counts in the final chunk so tokens/s uses the server's count, not an estimate.
    stream_options: { include_usage: true },
    temperature: parameters.temperature,
    max_tokens: parameters.maxTokens,
    top_p: parameters.topP,
    ...(parameters.stop.length > 0 ? { stop: [...parameters.stop] } : {}),
  };
  if (prompt.mode === 'chat') {
    const messages = [
      ...(prompt.systemPrompt.trim() ? [{ role: 'system', content: prompt.systemPrompt }] : []),
      ...prompt.messages.map((message) => ({ role: message.role, content: message.content })),
    ];
    return { path: '/v1/chat/completions', body: { ...common, messages } };
  }
  const text = prompt.messages.map((message) => message.content).join('\n');
  return {
    path: '/v1/completions',
    body: {
      ...common,
      prompt: prompt.systemPrompt.trim() ? `${prompt.systemPrompt}\n\n${text}` : text,
    },
  };
}

/** POSIX shell single-quoting: safe for any text, including quotes and newlines. */
function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** A Python literal for JSON-compatible data (True/False/None instead of true/false/null). */
function pythonLiteral(value: unknown, indent = 0): string {
  const pad = '    '.repeat(indent + 1);
  const end = '    '.repeat(indent);
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'None';
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value))
    return value.length === 0
      ? '[]'
      : `[\n${value.map((item) => `${pad}${pythonLiteral(item, indent + 1)}`).join(',\n')},\n${end}]`;
  const entries = Object.entries(value as Record<string, unknown>);
  return entries.length === 0
    ? '{}'
    : `{\n${entries.map(([key, item]) => `${pad}${JSON.stringify(key)}: ${pythonLiteral(item, indent + 1)}`).join(',\n')},\n${end}}`;
}

/** Where a snippet finds the API key: the environment, never the snippet (clipboards are shared and kept). */
const API_KEY_ENV = 'KUBEML_API_KEY';

function apiKeyComment(prefix: string, keySecret: string): string {
  return `${prefix} The endpoint requires the API key in Secret ${keySecret} (key "api-key"); export it as ${API_KEY_ENV}.`;
}

/** "Copy as curl": reproduces the playground's request against `baseUrl`; `keySecret` when it needs a key. */
export function curlSnippet(baseUrl: string, plan: HttpRequestPlan, keySecret?: string): string {
  return [
    ...(keySecret ? [apiKeyComment('#', keySecret)] : []),
    `curl -N ${shellQuote(`${baseUrl.replace(/\/+$/, '')}${plan.path}`)} \\`,
    `  -H 'Content-Type: application/json' \\`,
    ...(keySecret ? [`  -H "Authorization: Bearer $${API_KEY_ENV}" \\`] : []),
    `  -d ${shellQuote(JSON.stringify(plan.body, null, 2))}`,
  ].join('\n');
}

/** "Copy as Python": the same request with `requests`, printing tokens as they stream. */
export function pythonSnippet(baseUrl: string, plan: HttpRequestPlan, keySecret?: string): string {
  const field =
    plan.path === '/v1/chat/completions'
      ? 'choice.get("delta", {}).get("content") or ""'
      : 'choice.get("text") or ""';
  return [
    ...(keySecret ? [apiKeyComment('#', keySecret)] : []),
    'import json',
    ...(keySecret ? ['import os'] : []),
    'import requests',
    '',
    `url = ${JSON.stringify(`${baseUrl.replace(/\/+$/, '')}${plan.path}`)}`,
    `payload = ${pythonLiteral(plan.body)}`,
    '',
    `headers = ${keySecret ? `{"Authorization": "Bearer " + os.environ["${API_KEY_ENV}"]}` : '{}'}`,
    '',
    'with requests.post(url, json=payload, headers=headers, stream=True, timeout=600) as response:',
    '    response.raise_for_status()',
    '    for line in response.iter_lines(decode_unicode=True):',
    '        if not line or not line.startswith("data:"):',
    '            continue',
    '        data = line[len("data:"):].strip()',
    '        if data == "[DONE]":',
    '            break',
    '        chunk = json.loads(data)',
    '        for choice in chunk.get("choices", []):',
    `            print(${field}, end="", flush=True)`,
    'print()',
  ].join('\n');
}
