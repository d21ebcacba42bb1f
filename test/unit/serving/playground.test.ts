import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { parseCompletionEvent, SseParser } from '../../../src/serving/model/sse';
import {
  buildCompletionRequest,
  curlSnippet,
  DEFAULT_PARAMETERS,
  pythonSnippet,
  validateParameters,
  type PlaygroundPrompt,
} from '../../../src/serving/model/playgroundRequest';
import { computeLatency, formatLatency, LatencyMeter } from '../../../src/serving/model/latency';

describe('SSE parser', () => {
  it('assembles events split anywhere, with CRLF, comments and multi-line data', () => {
    const stream =
      ': keep-alive\r\ndata: {"a":1}\r\n\r\nevent: note\ndata: line1\ndata: line2\n\ndata: [DONE]\n\n';
    for (let split = 1; split < stream.length; split += 1) {
      const parser = new SseParser();
      const events = [
        ...parser.push(stream.slice(0, split)),
        ...parser.push(stream.slice(split)),
        ...parser.end(),
      ];
      assert.deepEqual(
        events.map((event) => [event.event, event.data]),
        [
          ['message', '{"a":1}'],
          ['note', 'line1\nline2'],
          ['message', '[DONE]'],
        ],
        `split at ${split}`,
      );
    }
  });

  it('decodes UTF-8 characters split across byte chunks', () => {
    const bytes = Buffer.from('data: {"t":"héllo 🤖"}\n\n');
    const parser = new SseParser();
    const events = [];
    for (const byte of bytes) events.push(...parser.push(Uint8Array.of(byte)));
    assert.equal(JSON.parse(events[0].data).t, 'héllo 🤖');
  });

  it('delivers a trailing event without its blank line at end()', () => {
    const parser = new SseParser();
    assert.deepEqual(parser.push('data: x'), []);
    assert.deepEqual(
      parser.end().map((event) => event.data),
      ['x'],
    );
  });
});

describe('OpenAI stream chunks', () => {
  it('reads chat deltas, completion text, usage, errors and [DONE]', () => {
    assert.deepEqual(
      parseCompletionEvent({
        event: 'message',
        data: '{"choices":[{"delta":{"content":"Hi"},"finish_reason":null}]}',
      }),
      { text: 'Hi', finishReason: undefined, usage: undefined, done: false },
    );
    assert.equal(
      parseCompletionEvent({
        event: 'message',
        data: '{"choices":[{"text":" there","finish_reason":"length"}]}',
      }).finishReason,
      'length',
    );
    assert.deepEqual(
      parseCompletionEvent({
        event: 'message',
        data: '{"choices":[],"usage":{"prompt_tokens":5,"completion_tokens":7}}',
      }).usage,
      { promptTokens: 5, completionTokens: 7 },
    );
    assert.equal(parseCompletionEvent({ event: 'message', data: '[DONE]' }).done, true);
    assert.equal(
      parseCompletionEvent({ event: 'message', data: '{"error":{"message":"model not found"}}' })
        .error,
      'model not found',
    );
    assert.match(parseCompletionEvent({ event: 'message', data: 'oops' }).error!, /not JSON/);
  });
});

const chatPrompt: PlaygroundPrompt = {
  mode: 'chat',
  model: 'llama',
  systemPrompt: 'You are terse.',
  messages: [{ role: 'user', content: 'It\'s a "test"\nline 2' }],
  parameters: { temperature: 0.2, maxTokens: 64, topP: 0.9, stop: ['###'] },
};

describe('playground requests and snippets', () => {
  it('builds a streaming chat request with the system prompt first and every parameter', () => {
    const plan = buildCompletionRequest(chatPrompt);
    assert.equal(plan.path, '/v1/chat/completions');
    assert.deepEqual(plan.body, {
      model: 'llama',
      stream: true,
      stream_options: { include_usage: true },
      temperature: 0.2,
      max_tokens: 64,
      top_p: 0.9,
      stop: ['###'],
      messages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: 'It\'s a "test"\nline 2' },
      ],
    });
  });

  it('builds a completion request with the prompt text and no stop when none given', () => {
    const plan = buildCompletionRequest({
      ...chatPrompt,
      mode: 'completion',
      systemPrompt: '',
      parameters: DEFAULT_PARAMETERS,
    });
    assert.equal(plan.path, '/v1/completions');
    assert.equal(plan.body.prompt, 'It\'s a "test"\nline 2');
    assert.equal('stop' in plan.body, false);
  });

  it('validates parameters', () => {
    assert.deepEqual(validateParameters(DEFAULT_PARAMETERS), []);
    assert.equal(
      validateParameters({ temperature: 3, maxTokens: 0, topP: 0, stop: ['a', 'b', 'c', 'd', 'e'] })
        .length,
      4,
    );
  });

  it('quotes the curl snippet so the shell passes the exact JSON body', () => {
    const plan = buildCompletionRequest(chatPrompt);
    const snippet = curlSnippet('http://127.0.0.1:40123/', plan);
    assert.match(snippet, /^curl -N 'http:\/\/127\.0\.0\.1:40123\/v1\/chat\/completions'/);
    // Let a real shell parse the -d argument back and compare it with the body.
    const dataArgument = snippet.slice(snippet.indexOf('-d ') + 3);
    const parsed = execFileSync('sh', ['-c', `printf %s ${dataArgument}`]).toString();
    assert.deepEqual(JSON.parse(parsed), plan.body);
  });

  it('writes a Python snippet with Python literals', () => {
    const snippet = pythonSnippet('http://127.0.0.1:40123', buildCompletionRequest(chatPrompt));
    assert.match(snippet, /"stream": True/);
    assert.match(snippet, /url = "http:\/\/127\.0\.0\.1:40123\/v1\/chat\/completions"/);
    assert.match(snippet, /"content": "It's a \\"test\\"\\nline 2"/);
    assert.match(snippet, /delta/);
  });
});

describe('latency figures', () => {
  it('measures TTFT from the first non-empty chunk and tokens/s over the decode interval', () => {
    const meter = new LatencyMeter(1000);
    meter.chunk('', 1100);
    meter.chunk('Hel', 1250);
    meter.chunk('lo', 1350);
    meter.chunk('!', 1450);
    const figures = meter.finish(1500);
    assert.equal(figures.ttftMs, 250);
    assert.equal(figures.completionTokens, 3);
    assert.equal(figures.tokensFromServer, false);
    assert.equal(figures.tokensPerSecond, 10);
    assert.equal(figures.totalMs, 500);
  });

  it('prefers the server token count and gives no speed for a single token', () => {
    assert.equal(
      computeLatency({
        startedAt: 0,
        firstTokenAt: 100,
        lastTokenAt: 1100,
        finishedAt: 1200,
        contentChunks: 5,
        serverTokens: 11,
      }).tokensPerSecond,
      10,
    );
    assert.equal(
      computeLatency({
        startedAt: 0,
        firstTokenAt: 100,
        lastTokenAt: 100,
        finishedAt: 100,
        contentChunks: 1,
      }).tokensPerSecond,
      undefined,
    );
    assert.equal(
      computeLatency({ startedAt: 0, finishedAt: 100, contentChunks: 0 }).ttftMs,
      undefined,
    );
    assert.match(
      formatLatency(
        computeLatency({
          startedAt: 0,
          firstTokenAt: 120,
          lastTokenAt: 1120,
          finishedAt: 1200,
          contentChunks: 11,
        }),
      ),
      /^TTFT 120 ms · 10\.0 tokens\/s · 11 tokens \(chunks\)/,
    );
  });
});
