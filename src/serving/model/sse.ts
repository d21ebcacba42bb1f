/** One Server-Sent Event (https://html.spec.whatwg.org/multipage/server-sent-events.html). */
export interface ServerSentEvent {
  readonly event: string;
  readonly data: string;
  readonly id?: string;
}

/** One event's text (its pending line plus data lines) beyond which the stream is refused. */
export const MAX_SSE_EVENT_CHARS = 4 * 1024 * 1024;

/**
 * Incremental SSE parser: feed it network chunks as they arrive (split anywhere, even inside a
 * UTF-8 character or a CRLF) and it returns the events completed so far. A chunk without a line
 * break costs only its own length; an event larger than `maxEventChars` sets `overflowed` and
 * the parser returns nothing more (the caller ends the stream).
 */
export class SseParser {
  private readonly decoder = new TextDecoder('utf-8');
  private buffer = '';
  private dataLines: string[] = [];
  private dataChars = 0;
  overflowed = false;
  private eventType = '';
  private lastId: string | undefined;
  private pendingCarriageReturn = false;

  constructor(private readonly maxEventChars = MAX_SSE_EVENT_CHARS) {}

  push(chunk: Uint8Array | string): ServerSentEvent[] {
    if (this.overflowed) return [];
    let text = typeof chunk === 'string' ? chunk : this.decoder.decode(chunk, { stream: true });
    if (this.pendingCarriageReturn && text.startsWith('\n')) text = text.slice(1);
    this.pendingCarriageReturn = false;
    this.buffer += text;
    if (this.buffer.length + this.dataChars > this.maxEventChars) {
      this.overflowed = true;
      this.buffer = '';
      this.dataLines = [];
      return [];
    }
    // Without a line break nothing completes: do not rescan the whole pending line.
    if (text.indexOf('\n') < 0 && text.indexOf('\r') < 0) return [];
    const events: ServerSentEvent[] = [];
    for (;;) {
      const match = /\r\n|\r|\n/.exec(this.buffer);
      if (!match) break;
      // A lone CR at the end may be the first half of CRLF split across chunks.
      if (match[0] === '\r' && match.index === this.buffer.length - 1)
        this.pendingCarriageReturn = true;
      const line = this.buffer.slice(0, match.index);
      this.buffer = this.buffer.slice(match.index + match[0].length);
      const event = this.line(line);
      if (event) events.push(event);
    }
    return events;
  }

  /** Call at end of stream: a final event without its blank line is still delivered. */
  end(): ServerSentEvent[] {
    const rest = this.buffer + this.decoder.decode();
    this.buffer = '';
    const events: ServerSentEvent[] = [];
    if (rest) {
      const event = this.line(rest);
      if (event) events.push(event);
    }
    const last = this.line('');
    if (last) events.push(last);
    return events;
  }

  private line(line: string): ServerSentEvent | undefined {
    if (line === '') {
      if (this.dataLines.length === 0) {
        this.eventType = '';
        return undefined;
      }
      const event: ServerSentEvent = {
        event: this.eventType || 'message',
        data: this.dataLines.join('\n'),
        id: this.lastId,
      };
      this.dataLines = [];
      this.dataChars = 0;
      this.eventType = '';
      return event;
    }
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') {
      this.dataLines.push(value);
      this.dataChars += value.length;
    } else if (field === 'event') this.eventType = value;
    else if (field === 'id' && !value.includes('\0')) this.lastId = value;
    return undefined;
  }
}

/** What one OpenAI-compatible streaming chunk contributes. */
export interface CompletionDelta {
  readonly text: string;
  readonly finishReason?: string;
  /** Token counts when the server reports usage (stream_options.include_usage). */
  readonly usage?: { readonly promptTokens: number; readonly completionTokens: number };
  readonly done: boolean;
  readonly error?: string;
}

interface OpenAiChunk {
  choices?: {
    delta?: { content?: string | null; reasoning_content?: string | null };
    text?: string;
    finish_reason?: string | null;
  }[];
  usage?: { prompt_tokens?: number; completion_tokens?: number } | null;
  error?: { message?: string } | string;
}

/** Reads one SSE event of /v1/chat/completions or /v1/completions with `stream: true`. */
export function parseCompletionEvent(event: ServerSentEvent): CompletionDelta {
  if (event.data.trim() === '[DONE]') return { text: '', done: true };
  let chunk: OpenAiChunk;
  try {
    chunk = JSON.parse(event.data) as OpenAiChunk;
  } catch {
    return {
      text: '',
      done: false,
      error: `The server sent a chunk that is not JSON: ${event.data.slice(0, 200)}`,
    };
  }
  if (chunk.error)
    return {
      text: '',
      done: true,
      error:
        typeof chunk.error === 'string'
          ? chunk.error
          : (chunk.error.message ?? 'unknown server error'),
    };
  const choice = chunk.choices?.[0];
  const text = choice?.delta?.content ?? choice?.text ?? '';
  const usage = chunk.usage
    ? {
        promptTokens: chunk.usage.prompt_tokens ?? 0,
        completionTokens: chunk.usage.completion_tokens ?? 0,
      }
    : undefined;
  return { text: text ?? '', finishReason: choice?.finish_reason ?? undefined, usage, done: false };
}
