import * as http from 'node:http';
import * as https from 'node:https';
import { performance } from 'node:perf_hooks';
import { KubeMlError } from '../cluster/errors';
import { LatencyMeter, type LatencyFigures } from './model/latency';
import type { HttpRequestPlan } from './model/playgroundRequest';
import { MAX_SSE_EVENT_CHARS, parseCompletionEvent, SseParser } from './model/sse';

/**
 * A small OpenAI-compatible HTTP client for the playground: streams a completion and reports each
 * token as it arrives, with latency figures. Runs in the extension host, never in the webview, so
 * the forwarded port is not exposed to web content.
 */
export interface StreamedCompletion {
  readonly text: string;
  readonly finishReason?: string;
  readonly figures: LatencyFigures;
}

function requestModule(url: URL): typeof http | typeof https {
  return url.protocol === 'https:' ? https : http;
}

function networkError(error: NodeJS.ErrnoException, url: string, midStream: boolean): KubeMlError {
  if (midStream) {
    return new KubeMlError(
      'streamEnded',
      `The model server at ${url} closed the stream in the middle of the answer (${error.code ?? error.message}).`,
      "The server pod may have died or restarted (OOMKilled?); check the endpoint's state and View Logs.",
    );
  }
  return new KubeMlError(
    'unreachable',
    `Could not reach the model server at ${url} (${error.code ?? error.message}).`,
    'The endpoint may not be ready yet or its pod is not running; check the Endpoints view.',
  );
}

/** /v1/models lists names; a megabyte is thousands of models. */
const MAX_MODELS_BODY_BYTES = 1024 * 1024;
/** Only the start of an error body reaches the message. */
const MAX_ERROR_BODY_BYTES = 64 * 1024;
/** A completion longer than this is a runaway stream, not an answer to show. */
export const MAX_COMPLETION_CHARS = 8 * 1024 * 1024;

/** The body, or a KubeMlError once it passes `maxBytes` (the connection is dropped then). */
async function readBody(
  response: http.IncomingMessage,
  url: URL,
  maxBytes: number,
  truncate = false,
): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response) {
    const bytes = chunk as Buffer;
    chunks.push(bytes.subarray(0, maxBytes - size));
    size += bytes.length;
    if (size >= maxBytes) {
      response.destroy();
      if (truncate) break;
      throw new KubeMlError(
        'invalidInput',
        `The server at ${url} sent more than ${maxBytes / 1024} KiB for ${url.pathname}; it was not read further.`,
        'Check that the endpoint runs an OpenAI-compatible server.',
      );
    }
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The bearer token header an endpoint with an API key requires. */
function authorization(apiKey: string | undefined): Record<string, string> {
  return apiKey ? { authorization: `Bearer ${apiKey}` } : {};
}

function httpError(status: number, body: string, url: string): KubeMlError {
  let message = body.slice(0, 500);
  try {
    const parsed = JSON.parse(body) as {
      error?: { message?: string } | string;
      message?: string;
      detail?: string;
    };
    message =
      (typeof parsed.error === 'string' ? parsed.error : parsed.error?.message) ??
      parsed.message ??
      parsed.detail ??
      message;
  } catch {
    // Not JSON: keep the text.
  }
  const hint =
    status === 401
      ? 'The endpoint requires an API key: deploy it again with Kube ML (which keeps its key in the Secret "<name>-api-key").'
      : status === 404
        ? 'The server has no such route or model: is it OpenAI-compatible, and is the model name right?'
        : status === 400
          ? "Check the parameters (max tokens may exceed the model's context)."
          : 'See View Logs on the endpoint.';
  return new KubeMlError(
    status === 404 ? 'notFound' : status === 401 ? 'unauthorized' : 'invalidInput',
    `The model server at ${url} answered ${status}: ${message}`,
    hint,
  );
}

/** GET /v1/models: the served model names. `apiKey` goes in a header, never in the URL. */
export async function listModels(
  baseUrl: string,
  signal?: AbortSignal,
  apiKey?: string,
): Promise<string[]> {
  const url = new URL('/v1/models', baseUrl);
  return new Promise<string[]>((resolve, reject) => {
    const request = requestModule(url).get(
      url,
      { signal, headers: { accept: 'application/json', ...authorization(apiKey) } },
      (response) => {
        const failed = (response.statusCode ?? 0) >= 400;
        readBody(response, url, failed ? MAX_ERROR_BODY_BYTES : MAX_MODELS_BODY_BYTES, failed).then(
          (body) => {
            if (failed) return reject(httpError(response.statusCode ?? 0, body, url.toString()));
            try {
              resolve(
                ((JSON.parse(body) as { data?: { id: string }[] }).data ?? []).map(
                  (model) => model.id,
                ),
              );
            } catch {
              reject(
                new KubeMlError(
                  'invalidInput',
                  `The server at ${url} did not answer /v1/models with JSON.`,
                  'The runtime may not be OpenAI-compatible (Triton is not).',
                ),
              );
            }
          },
          reject,
        );
      },
    );
    request.on('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.name === 'AbortError'
          ? new KubeMlError('cancelled', 'Cancelled.')
          : networkError(error, url.toString(), false),
      ),
    );
  });
}

/**
 * POSTs a streaming completion and calls `onText` for every content delta the moment it is parsed.
 * Resolves when the server sends [DONE] (or ends the stream); rejects with a KubeMlError.
 */
export function streamCompletion(
  baseUrl: string,
  plan: HttpRequestPlan,
  onText: (text: string) => void,
  signal?: AbortSignal,
  apiKey?: string,
): Promise<StreamedCompletion> {
  const url = new URL(plan.path, baseUrl);
  const body = Buffer.from(JSON.stringify(plan.body));
  return new Promise<StreamedCompletion>((resolve, reject) => {
    const meter = new LatencyMeter(performance.now());
    let text = '';
    let finishReason: string | undefined;
    let settled = false;
    let midStream = false;
    const settle = (action: () => void) => {
      if (settled) return;
      settled = true;
      action();
    };
    const request = requestModule(url).request(
      url,
      {
        method: 'POST',
        signal,
        headers: {
          'content-type': 'application/json',
          accept: 'text/event-stream',
          'content-length': body.length,
          ...authorization(apiKey),
        },
      },
      (response) => {
        if ((response.statusCode ?? 0) >= 400) {
          readBody(response, url, MAX_ERROR_BODY_BYTES, true).then(
            (errorBody) =>
              settle(() => reject(httpError(response.statusCode ?? 0, errorBody, url.toString()))),
            (error) => settle(() => reject(error)),
          );
          return;
        }
        midStream = true;
        const parser = new SseParser();
        const finish = () =>
          settle(() => resolve({ text, finishReason, figures: meter.finish(performance.now()) }));
        const handle = (events: ReturnType<SseParser['push']>) => {
          for (const event of events) {
            const delta = parseCompletionEvent(event);
            if (delta.error) {
              request.destroy();
              settle(() =>
                reject(
                  new KubeMlError(
                    'unknown',
                    `The model server reported an error mid-stream: ${delta.error}`,
                    'See View Logs on the endpoint.',
                  ),
                ),
              );
              return;
            }
            if (delta.text) {
              meter.chunk(delta.text, performance.now());
              text += delta.text;
              if (text.length > MAX_COMPLETION_CHARS) {
                request.destroy();
                settle(() =>
                  reject(
                    new KubeMlError(
                      'invalidInput',
                      `The model server at ${url} sent more than ${MAX_COMPLETION_CHARS / 1024 / 1024} MiB of text; the answer was stopped.`,
                      'Lower "max tokens".',
                    ),
                  ),
                );
                return;
              }
              onText(delta.text);
            }
            if (delta.usage) meter.usage(delta.usage.completionTokens);
            if (delta.finishReason) finishReason = delta.finishReason;
            if (delta.done) {
              finish();
              return;
            }
          }
        };
        response.on('data', (chunk: Buffer) => {
          handle(parser.push(chunk));
          if (parser.overflowed) {
            request.destroy();
            settle(() =>
              reject(
                new KubeMlError(
                  'invalidInput',
                  `The model server at ${url} sent one event of more than ${MAX_SSE_EVENT_CHARS / 1024 / 1024} MiB; the answer was stopped.`,
                  'Check that the endpoint runs an OpenAI-compatible server.',
                ),
              ),
            );
          }
        });
        response.on('end', () => {
          handle(parser.end());
          // A stream that ends without [DONE] or a finish reason was cut off.
          if (!settled && !finishReason)
            settle(() =>
              reject(
                new KubeMlError(
                  'streamEnded',
                  `The model server at ${url} ended the stream before the answer was complete.`,
                  "The server pod may have died or restarted; check the endpoint's state and View Logs.",
                ),
              ),
            );
          finish();
        });
        response.on('error', (error: NodeJS.ErrnoException) =>
          settle(() =>
            reject(
              signal?.aborted
                ? new KubeMlError('cancelled', 'Stopped.')
                : networkError(error, url.toString(), true),
            ),
          ),
        );
      },
    );
    request.on('error', (error: NodeJS.ErrnoException) =>
      settle(() =>
        reject(
          signal?.aborted || error.name === 'AbortError'
            ? new KubeMlError('cancelled', 'Stopped.')
            : networkError(error, url.toString(), midStream),
        ),
      ),
    );
    request.end(body);
  });
}
