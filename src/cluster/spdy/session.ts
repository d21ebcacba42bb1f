// A SPDY/3 client session: many streams over one byte transport, as kubectl's port-forward uses
// them. Transport-agnostic (a WebSocket tunnel or an upgraded HTTP connection feeds it), so the
// multiplexing logic is unit-testable without a network.
import {
  FrameParser,
  HeaderBlockCompressor,
  ResetStatus,
  encodeData,
  encodeGoAway,
  encodeHeaderBlock,
  encodePing,
  encodeRstStream,
  encodeSynStream,
  type ControlFrame,
  type ResetStatusCode,
} from './frames';
import { Heartbeat, type HeartbeatOptions } from '../heartbeat';
import type { Timers } from '../timers';

/** The byte pipe under a session. */
export interface SessionTransport {
  /** Queues frames; returns false once the transport's buffer is full (the session waits for `drained`). */
  write(chunks: Buffer[]): boolean;
  /** Stop / restart delivering incoming bytes (a local reader is full). */
  pause(): void;
  resume(): void;
  close(): void;
}

export interface StreamEvents {
  onData(data: Buffer): void;
  /** The server half-closed the stream (FIN): no more data will come. */
  onEnd(): void;
  /** The stream ended abnormally: RST_STREAM from the server or the session was lost. */
  onReset(reason: string): void;
}

const MAX_STREAM_ID = 0x7fffffff;
/**
 * Pings keep idle sessions alive through proxies and load balancers, as kubectl's do (every 30 s);
 * unlike kubectl's, an unanswered one ends the session, so a dead connection is noticed.
 */
const SPDY_HEARTBEAT: HeartbeatOptions = { intervalMs: 30_000, timeoutMs: 15_000 };

export class SpdyStream {
  private localFin = false;
  private remoteFin = false;
  private finished = false;
  private incomingPaused = false;

  constructor(
    readonly id: number,
    private readonly session: SpdySession,
    readonly events: StreamEvents,
  ) {}

  /** Sends data; false when the transport is full: wait for the session's drain. */
  write(data: Buffer): boolean {
    if (this.localFin || this.finished) return true;
    return this.session.send(encodeData(this.id, data, false));
  }

  /** Half-closes our side (FIN); the server may still send. */
  end(): void {
    if (this.localFin || this.finished) return;
    this.localFin = true;
    this.session.send(encodeData(this.id, Buffer.alloc(0), true));
    this.finishIfDone();
  }

  /** Abandons the stream (RST_STREAM CANCEL) unless both sides already closed it. */
  reset(): void {
    if (this.finished) return;
    this.finished = true;
    this.session.send([encodeRstStream(this.id, ResetStatus.Cancel)]);
    this.session.forget(this);
  }

  /** Holds back incoming data of this stream (its reader is full); the whole session waits meanwhile. */
  pauseIncoming(): void {
    if (this.incomingPaused) return;
    this.incomingPaused = true;
    this.session.pauseFor(this);
  }

  resumeIncoming(): void {
    if (!this.incomingPaused) return;
    this.incomingPaused = false;
    this.session.resumeFor(this);
  }

  /** @internal The SYN_STREAM carried FIN: we never send on this stream. */
  markLocalFin(): void {
    this.localFin = true;
  }

  /** @internal */
  receive(data: Buffer, fin: boolean): void {
    if (this.finished || this.remoteFin) return;
    if (data.length > 0) this.events.onData(data);
    if (fin) {
      this.remoteFin = true;
      this.events.onEnd();
      this.finishIfDone();
    }
  }

  /** @internal */
  receiveReset(reason: string): void {
    if (this.finished) return;
    this.finished = true;
    this.session.forget(this);
    this.events.onReset(reason);
  }

  private finishIfDone(): void {
    if (this.localFin && this.remoteFin && !this.finished) {
      this.finished = true;
      this.session.forget(this);
    }
  }
}

export interface SessionOptions {
  readonly heartbeat?: HeartbeatOptions;
  /** Timers of the heartbeat (tests drive a clock of their own). */
  readonly timers?: Timers;
}

export interface SessionEvents {
  /** The transport has room again after write() returned false. */
  onDrain(): void;
  /** The session is over (transport closed, GOAWAY with no streams left, protocol error). */
  onClose(reason: string): void;
}

/** Client side of one SPDY/3 connection: odd stream ids, header blocks compressed per connection. */
export class SpdySession {
  private readonly streams = new Map<number, SpdyStream>();
  private readonly parser: FrameParser;
  private readonly compressor = new HeaderBlockCompressor();
  private readonly pausedBy = new Set<SpdyStream>();
  private nextStreamId = 1;
  private nextPingId = 1;
  private goneAway = false;
  private closed = false;
  private full = false;
  private readonly heartbeat: Heartbeat;

  constructor(
    private readonly transport: SessionTransport,
    private readonly events: SessionEvents,
    options: SessionOptions = {},
  ) {
    this.parser = new FrameParser({
      onData: (streamId, data, fin) => this.streams.get(streamId)?.receive(data, fin),
      onControl: (frame) => this.onControl(frame),
      onProtocolError: (message) => this.close(`the server broke the SPDY protocol: ${message}`),
    });
    this.heartbeat = new Heartbeat(
      options.heartbeat ?? SPDY_HEARTBEAT,
      () => this.send([encodePing(this.takePingId())]),
      // A dead connection takes no goodbye: it would only queue behind the unanswered ping.
      (message) => this.close(message, false),
      options.timers,
    );
  }

  /** New streams can still be opened (not closed, no GOAWAY, stream ids left). */
  get isUsable(): boolean {
    return !this.closed && !this.goneAway && this.nextStreamId <= MAX_STREAM_ID;
  }

  get activeStreams(): number {
    return this.streams.size;
  }

  /** Opens a stream: SYN_STREAM with these headers. Data may be written at once (no wait for the reply). */
  openStream(
    headers: ReadonlyArray<readonly [string, string]>,
    events: StreamEvents,
    options: { fin?: boolean } = {},
  ): SpdyStream {
    if (!this.isUsable) throw new Error('The SPDY session cannot open streams any more.');
    const stream = new SpdyStream(this.nextStreamId, this, events);
    this.nextStreamId += 2;
    this.streams.set(stream.id, stream);
    this.send([
      encodeSynStream(
        stream.id,
        this.compressor.compress(encodeHeaderBlock(headers)),
        options.fin ?? false,
      ),
    ]);
    if (options.fin) stream.markLocalFin();
    return stream;
  }

  /** Feeds bytes read from the transport. */
  receive(chunk: Buffer): void {
    if (this.closed) return;
    this.heartbeat.alive();
    this.parser.push(chunk);
  }

  /** The transport can take more after a write returned false. */
  transportDrained(): void {
    if (!this.full || this.closed) return;
    this.full = false;
    this.events.onDrain();
  }

  /** The transport ended: every open stream is reset with the reason. */
  transportClosed(reason: string): void {
    this.close(reason, false);
  }

  /** Tells the server we are done (GOAWAY), then closes the transport. */
  close(reason = 'closed', sayGoodbye = true): void {
    if (this.closed) return;
    if (sayGoodbye) this.transport.write([encodeGoAway(0)]);
    this.closed = true;
    this.heartbeat.dispose();
    const streams = [...this.streams.values()];
    this.streams.clear();
    for (const stream of streams) stream.receiveReset(reason);
    this.transport.close();
    this.events.onClose(reason);
  }

  /** @internal */
  send(chunks: Buffer[]): boolean {
    if (this.closed) return true;
    const room = this.transport.write(chunks);
    if (!room) this.full = true;
    return room;
  }

  /** @internal */
  forget(stream: SpdyStream): void {
    this.streams.delete(stream.id);
    this.resumeFor(stream);
    if (this.goneAway && this.streams.size === 0)
      this.close('the server ended the session (GOAWAY)', false);
  }

  /** @internal */
  pauseFor(stream: SpdyStream): void {
    if (this.pausedBy.size === 0) this.transport.pause();
    this.pausedBy.add(stream);
  }

  /** @internal */
  resumeFor(stream: SpdyStream): void {
    if (this.pausedBy.delete(stream) && this.pausedBy.size === 0 && !this.closed)
      this.transport.resume();
  }

  private takePingId(): number {
    const id = this.nextPingId;
    this.nextPingId = (this.nextPingId + 2) % 0x100000000;
    return id;
  }

  private onControl(frame: ControlFrame): void {
    switch (frame.kind) {
      case 'synReply':
        if (frame.fin) this.streams.get(frame.streamId)?.receive(Buffer.alloc(0), true);
        return;
      case 'rstStream':
        this.streams.get(frame.streamId)?.receiveReset(describeReset(frame.status));
        return;
      case 'ping':
        // Odd ids are our own pings coming back; even ones are the server's, to be echoed.
        if (frame.id % 2 === 0) this.send([encodePing(frame.id)]);
        return;
      case 'goAway':
        this.goneAway = true;
        for (const stream of [...this.streams.values()]) {
          if (stream.id > frame.lastGoodStreamId)
            stream.receiveReset('the server refused the stream (GOAWAY)');
        }
        if (this.streams.size === 0) this.close('the server ended the session (GOAWAY)', false);
        return;
      case 'ignored':
        return;
    }
  }
}

function describeReset(status: number): string {
  const names: Record<number, string> = {
    [ResetStatus.ProtocolError]: 'protocol error',
    [ResetStatus.InvalidStream]: 'invalid stream',
    [ResetStatus.RefusedStream]: 'refused',
    [ResetStatus.Cancel]: 'cancelled',
    [ResetStatus.InternalError]: 'internal error',
  };
  return `the server reset the stream (${names[status as ResetStatusCode] ?? `status ${status}`})`;
}
