// A small OpenAI-compatible server standing in for a model server (vLLM-like) behind pod port 8000:
// GET /v1/models, POST /v1/completions and /v1/chat/completions (with `stream: true` as SSE,
// one token per chunk at a steady rate), GET /health and a Prometheus /metrics page.
import type * as http from 'node:http';

export const SANDBOX_MODEL_ID = 'kube-ml-sandbox/tiny-llama-stand-in';
const TOKEN_INTERVAL_MS = 40;
const CANNED_REPLY = (
  'This reply comes from the Kube ML sandbox model server, a stand-in for a real GPU model server. ' +
  'Tokens arrive one by one at a steady rate so that streaming clients can be tested end to end. ' +
  'The quick brown fox jumps over the lazy dog while the loss keeps going down.'
).split(/(?<= )/);

interface Counters {
  running: number;
  promptTokens: number;
  generationTokens: number;
  requests: number;
}
const counters: Counters = { running: 0, promptTokens: 0, generationTokens: 0, requests: 0 };

function sendJson(response: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
  });
  response.end(text);
}

function readBody(request: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function countTokens(text: string): number {
  return Math.max(1, text.split(/\s+/).filter(Boolean).length);
}

interface ParsedRequest {
  model: string;
  stream: boolean;
  maxTokens: number;
  promptTokens: number;
}

function parseRequest(body: Record<string, unknown>, chat: boolean): ParsedRequest | string {
  if (chat) {
    if (!Array.isArray(body.messages) || body.messages.length === 0)
      return "'messages' must be a non-empty array";
  } else if (typeof body.prompt !== 'string' && !Array.isArray(body.prompt)) {
    return "'prompt' is required";
  }
  const promptText = chat
    ? (body.messages as Array<{ content?: unknown }>)
        .map((message) => String(message.content ?? ''))
        .join(' ')
    : String(body.prompt);
  const requested = Number(body.max_tokens ?? body.max_completion_tokens ?? 16);
  if (!Number.isInteger(requested) || requested < 1)
    return "'max_tokens' must be a positive integer";
  return {
    model: typeof body.model === 'string' && body.model ? body.model : SANDBOX_MODEL_ID,
    stream: body.stream === true,
    maxTokens: Math.min(requested, 512),
    promptTokens: countTokens(promptText),
  };
}

function tokenAt(index: number): string {
  return CANNED_REPLY[index % CANNED_REPLY.length];
}

async function complete(
  request: http.IncomingMessage,
  response: http.ServerResponse,
  chat: boolean,
): Promise<void> {
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(await readBody(request)) as Record<string, unknown>;
  } catch {
    sendJson(response, 400, {
      error: { message: 'request body is not valid JSON', type: 'invalid_request_error' },
    });
    return;
  }
  const parsed = parseRequest(body, chat);
  if (typeof parsed === 'string') {
    sendJson(response, 400, { error: { message: parsed, type: 'invalid_request_error' } });
    return;
  }
  const id = `${chat ? 'chatcmpl' : 'cmpl'}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
  const created = Math.floor(Date.now() / 1000);
  const object = chat ? 'chat.completion' : 'text_completion';
  const finishReason = parsed.maxTokens >= CANNED_REPLY.length ? 'stop' : 'length';
  const tokenCount = Math.min(parsed.maxTokens, CANNED_REPLY.length);
  counters.requests += 1;
  counters.promptTokens += parsed.promptTokens;
  const usage = {
    prompt_tokens: parsed.promptTokens,
    completion_tokens: tokenCount,
    total_tokens: parsed.promptTokens + tokenCount,
  };

  if (!parsed.stream) {
    const text = Array.from({ length: tokenCount }, (_, index) => tokenAt(index)).join('');
    counters.generationTokens += tokenCount;
    const choice = chat
      ? {
          index: 0,
          message: { role: 'assistant', content: text },
          finish_reason: finishReason,
          logprobs: null,
        }
      : { index: 0, text, finish_reason: finishReason, logprobs: null };
    sendJson(response, 200, { id, object, created, model: parsed.model, choices: [choice], usage });
    return;
  }

  response.writeHead(200, {
    'Content-Type': 'text/event-stream',
    'Cache-Control': 'no-cache',
    Connection: 'keep-alive',
  });
  const send = (payload: unknown): void => {
    response.write(`data: ${JSON.stringify(payload)}\n\n`);
  };
  const chunkObject = chat ? 'chat.completion.chunk' : 'text_completion';
  counters.running += 1;
  let closed = false;
  response.on('close', () => {
    closed = true;
  });
  if (chat)
    send({
      id,
      object: chunkObject,
      created,
      model: parsed.model,
      choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }],
    });
  for (let index = 0; index < tokenCount && !closed; index += 1) {
    await new Promise((resolve) => setTimeout(resolve, TOKEN_INTERVAL_MS));
    const token = tokenAt(index);
    counters.generationTokens += 1;
    const last = index === tokenCount - 1;
    const choice = chat
      ? { index: 0, delta: { content: token }, finish_reason: last ? finishReason : null }
      : { index: 0, text: token, finish_reason: last ? finishReason : null };
    send({ id, object: chunkObject, created, model: parsed.model, choices: [choice] });
  }
  counters.running -= 1;
  if (!closed) {
    send({ id, object: chunkObject, created, model: parsed.model, choices: [], usage });
    response.end('data: [DONE]\n\n');
  }
}

function metrics(): string {
  return [
    '# HELP vllm:num_requests_running Number of requests currently running.',
    '# TYPE vllm:num_requests_running gauge',
    `vllm:num_requests_running{model_name="${SANDBOX_MODEL_ID}"} ${counters.running}`,
    '# HELP vllm:num_requests_waiting Number of requests waiting.',
    '# TYPE vllm:num_requests_waiting gauge',
    `vllm:num_requests_waiting{model_name="${SANDBOX_MODEL_ID}"} 0`,
    '# HELP vllm:gpu_cache_usage_perc KV cache usage (0-1).',
    '# TYPE vllm:gpu_cache_usage_perc gauge',
    `vllm:gpu_cache_usage_perc{model_name="${SANDBOX_MODEL_ID}"} ${Math.min(1, 0.05 + counters.running * 0.1).toFixed(2)}`,
    '# HELP vllm:prompt_tokens_total Prompt tokens processed.',
    '# TYPE vllm:prompt_tokens_total counter',
    `vllm:prompt_tokens_total{model_name="${SANDBOX_MODEL_ID}"} ${counters.promptTokens}`,
    '# HELP vllm:generation_tokens_total Generated tokens.',
    '# TYPE vllm:generation_tokens_total counter',
    `vllm:generation_tokens_total{model_name="${SANDBOX_MODEL_ID}"} ${counters.generationTokens}`,
    '# HELP vllm:request_success_total Finished requests.',
    '# TYPE vllm:request_success_total counter',
    `vllm:request_success_total{model_name="${SANDBOX_MODEL_ID}"} ${counters.requests}`,
    '',
  ].join('\n');
}

export function handleOpenAi(request: http.IncomingMessage, response: http.ServerResponse): void {
  const url = new URL(request.url ?? '/', 'http://sandbox');
  const route = `${request.method} ${url.pathname.replace(/\/+$/, '') || '/'}`;
  switch (route) {
    case 'GET /health':
      response.writeHead(200, { 'Content-Type': 'text/plain' });
      response.end('OK');
      return;
    case 'GET /metrics':
      response.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4' });
      response.end(metrics());
      return;
    case 'GET /v1/models':
      sendJson(response, 200, {
        object: 'list',
        data: [
          {
            id: SANDBOX_MODEL_ID,
            object: 'model',
            created: 1735689600,
            owned_by: 'kube-ml-sandbox',
            max_model_len: 4096,
          },
        ],
      });
      return;
    case 'POST /v1/completions':
    case 'POST /v1/chat/completions':
      complete(request, response, route.endsWith('chat/completions')).catch((error: unknown) => {
        if (!response.headersSent)
          sendJson(response, 500, { error: { message: String(error), type: 'server_error' } });
        else response.end();
      });
      return;
    default:
      sendJson(response, 404, { error: { message: `no route ${route}`, type: 'not_found' } });
  }
}
