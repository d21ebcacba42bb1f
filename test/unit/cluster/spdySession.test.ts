import * as assert from 'node:assert/strict';
import * as zlib from 'node:zlib';
import { encodeData } from '../../../src/cluster/spdy/frames';
import {
  SpdySession,
  type SessionTransport,
  type StreamEvents,
} from '../../../src/cluster/spdy/session';
import { ManualTimers } from '../manualTimers';

/** What the session wrote, decoded the way the server side reads it. */
interface Written {
  kind: 'syn' | 'data' | 'rst' | 'ping' | 'goAway';
  streamId?: number;
  fin?: boolean;
  data?: string;
  id?: number;
  status?: number;
  headerBytes?: Buffer;
}

class RecordingTransport implements SessionTransport {
  readonly frames: Written[] = [];
  room = true;
  paused = 0;
  resumed = 0;
  closed = false;

  write(chunks: Buffer[]): boolean {
    const bytes = Buffer.concat(chunks);
    let offset = 0;
    while (offset < bytes.length) {
      const length = bytes.readUInt32BE(offset + 4) & 0xffffff;
      const flags = bytes[offset + 4];
      const body = bytes.subarray(offset + 8, offset + 8 + length);
      if (bytes[offset] & 0x80) {
        const type = bytes.readUInt16BE(offset + 2);
        if (type === 1)
          this.frames.push({
            kind: 'syn',
            streamId: body.readUInt32BE(0),
            fin: (flags & 1) === 1,
            headerBytes: body.subarray(10),
          });
        if (type === 3)
          this.frames.push({
            kind: 'rst',
            streamId: body.readUInt32BE(0),
            status: body.readUInt32BE(4),
          });
        if (type === 6) this.frames.push({ kind: 'ping', id: body.readUInt32BE(0) });
        if (type === 7) this.frames.push({ kind: 'goAway', streamId: body.readUInt32BE(0) });
      } else {
        this.frames.push({
          kind: 'data',
          streamId: bytes.readUInt32BE(offset),
          fin: (flags & 1) === 1,
          data: body.toString(),
        });
      }
      offset += 8 + length;
    }
    return this.room;
  }
  pause(): void {
    this.paused++;
  }
  resume(): void {
    this.resumed++;
  }
  close(): void {
    this.closed = true;
  }
}

interface StreamLog {
  data: string;
  ended: boolean;
  reset?: string;
}

function recorder(): { events: StreamEvents; log: StreamLog } {
  const log: StreamLog = { data: '', ended: false };
  return {
    log,
    events: {
      onData: (data) => (log.data += data.toString()),
      onEnd: () => (log.ended = true),
      onReset: (reason) => (log.reset = reason),
    },
  };
}

function controlFrame(type: number, flags: number, ...values: number[]): Buffer {
  const frame = Buffer.alloc(8 + values.length * 4);
  frame.writeUInt16BE(0x8003, 0);
  frame.writeUInt16BE(type, 2);
  frame.writeUInt32BE((flags << 24) | (values.length * 4), 4);
  values.forEach((value, index) => frame.writeUInt32BE(value, 8 + index * 4));
  return frame;
}

function setup(timers?: ManualTimers) {
  const transport = new RecordingTransport();
  const closes: string[] = [];
  let drains = 0;
  const session = new SpdySession(
    transport,
    { onDrain: () => drains++, onClose: (reason) => closes.push(reason) },
    { heartbeat: { intervalMs: 30_000, timeoutMs: 15_000 }, timers },
  );
  return { transport, session, closes, drains: () => drains };
}

describe('SPDY session (client side, no network)', () => {
  const sessions: SpdySession[] = [];
  afterEach(() => sessions.splice(0).forEach((session) => session.close()));

  it('opens streams with odd, increasing ids and headers the server can inflate in order', () => {
    const { transport, session } = setup();
    sessions.push(session);
    session.openStream(
      [
        ['streamtype', 'error'],
        ['port', '8888'],
        ['requestid', '0'],
      ],
      recorder().events,
      { fin: true },
    );
    session.openStream(
      [
        ['streamtype', 'data'],
        ['port', '8888'],
        ['requestid', '0'],
      ],
      recorder().events,
    );
    const syns = transport.frames.filter((frame) => frame.kind === 'syn');
    assert.deepEqual(
      syns.map((frame) => [frame.streamId, frame.fin]),
      [
        [1, true],
        [3, false],
      ],
    );
    const inflated = zlib
      .inflateSync(Buffer.concat(syns.map((frame) => frame.headerBytes!)), {
        finishFlush: zlib.constants.Z_SYNC_FLUSH,
      })
      .toString('latin1');
    assert.match(inflated, /streamtype.*error.*port.*8888.*requestid.*0.*streamtype.*data/s);
    assert.equal(session.activeStreams, 2);
  });

  it('routes DATA to its stream, ends it on FIN and forgets it once both sides closed', () => {
    const { transport, session } = setup();
    sessions.push(session);
    const a = recorder();
    const b = recorder();
    const streamA = session.openStream([['streamtype', 'data']], a.events);
    session.openStream([['streamtype', 'data']], b.events);
    session.receive(
      Buffer.concat([
        ...encodeData(1, Buffer.from('to a'), false),
        ...encodeData(3, Buffer.from('to b'), true),
      ]),
    );
    assert.deepEqual(a.log, { data: 'to a', ended: false });
    assert.deepEqual(b.log, { data: 'to b', ended: true });
    assert.equal(session.activeStreams, 2, 'b still open on our side');
    assert.equal(streamA.write(Buffer.from('request')), true);
    streamA.end();
    assert.deepEqual(
      transport.frames.filter((frame) => frame.kind === 'data'),
      [
        { kind: 'data', streamId: 1, fin: false, data: 'request' },
        { kind: 'data', streamId: 1, fin: true, data: '' },
      ],
    );
    session.receive(Buffer.concat(encodeData(1, Buffer.alloc(0), true)));
    assert.equal(a.log.ended, true);
    assert.equal(session.activeStreams, 1, 'a closed both ways is forgotten');
  });

  it('reports a server reset on the stream and sends RST_STREAM CANCEL when we abandon one', () => {
    const { transport, session } = setup();
    sessions.push(session);
    const a = recorder();
    const b = recorder();
    session.openStream([], a.events);
    const streamB = session.openStream([], b.events);
    session.receive(controlFrame(3, 0, 1, 3));
    assert.equal(a.log.reset, 'the server reset the stream (refused)');
    streamB.reset();
    assert.deepEqual(transport.frames.at(-1), { kind: 'rst', streamId: 3, status: 5 });
    assert.equal(b.log.reset, undefined, 'our own reset is not reported back to us');
    assert.equal(session.activeStreams, 0);
    session.receive(Buffer.concat(encodeData(3, Buffer.from('late'), false)));
    assert.equal(b.log.data, '', 'data for a forgotten stream is dropped');
  });

  it('echoes the server pings and not its answers to ours', () => {
    const { transport, session } = setup();
    sessions.push(session);
    session.receive(Buffer.concat([controlFrame(6, 0, 2), controlFrame(6, 0, 1)]));
    assert.deepEqual(transport.frames, [{ kind: 'ping', id: 2 }]);
  });

  it('pings every 30 s while the server answers, and ends a session whose ping goes unanswered for 15 s', () => {
    const timers = new ManualTimers();
    const { transport, session, closes } = setup(timers);
    sessions.push(session);
    const a = recorder();
    session.openStream([], a.events);
    const pings = () =>
      transport.frames.filter((frame) => frame.kind === 'ping').map((frame) => frame.id);
    timers.advance(30_000);
    assert.deepEqual(pings(), [1]);
    timers.advance(10_000);
    session.receive(controlFrame(6, 0, 1));
    timers.advance(29_999);
    assert.deepEqual(pings(), [1], 'an answered ping is followed by the next one 30 s later');
    timers.advance(1);
    assert.deepEqual(pings(), [1, 3]);
    timers.advance(14_000);
    session.receive(
      Buffer.concat(encodeData(1, Buffer.from('data counts as an answer too'), false)),
    );
    timers.advance(30_000);
    assert.deepEqual(pings(), [1, 3, 5]);
    assert.deepEqual(closes, []);
    timers.advance(14_999);
    assert.equal(session.isUsable, true, 'still within the deadline');
    timers.advance(1);
    assert.equal(closes.length, 1);
    assert.match(closes[0], /no answer to a ping for 15 s: the connection is dead/);
    assert.equal(a.log.reset, closes[0], 'the streams learn why');
    assert.equal(session.isUsable, false);
    assert.equal(transport.closed, true);
    assert.equal(
      transport.frames.at(-1)?.kind,
      'ping',
      'no GOAWAY queued behind the unanswered ping',
    );
    assert.equal(timers.pending, 0, 'no timer outlives the session');
  });

  it('on GOAWAY refuses new streams, resets those the server never took, and closes when the rest end', () => {
    const { session, closes } = setup();
    sessions.push(session);
    const a = recorder();
    const b = recorder();
    session.openStream([], a.events);
    session.openStream([], b.events);
    session.receive(controlFrame(7, 0, 1, 0));
    assert.equal(session.isUsable, false);
    assert.throws(() => session.openStream([], recorder().events), /cannot open streams/);
    assert.match(b.log.reset ?? '', /GOAWAY/);
    assert.equal(a.log.reset, undefined);
    assert.deepEqual(closes, []);
    session.receive(controlFrame(3, 0, 1, 5));
    assert.equal(closes.length, 1);
  });

  it('passes back-pressure both ways: a full transport, and a reader that cannot keep up', () => {
    const { transport, session, drains } = setup();
    sessions.push(session);
    const a = session.openStream([], recorder().events);
    const b = session.openStream([], recorder().events);
    transport.room = false;
    assert.equal(a.write(Buffer.from('x')), false);
    transport.room = true;
    session.transportDrained();
    session.transportDrained();
    assert.equal(drains(), 1, 'one drain per full transport');
    a.pauseIncoming();
    b.pauseIncoming();
    a.pauseIncoming();
    assert.equal(transport.paused, 1);
    a.resumeIncoming();
    assert.equal(transport.resumed, 0, 'b still cannot take more');
    b.resumeIncoming();
    assert.equal(transport.resumed, 1);
  });

  it('resets every stream with the reason when the transport is lost, and on a protocol error', () => {
    const { transport, session, closes } = setup();
    const a = recorder();
    session.openStream([], a.events);
    session.transportClosed('the API server went away');
    assert.equal(a.log.reset, 'the API server went away');
    assert.deepEqual(closes, ['the API server went away']);
    assert.equal(transport.closed, true);

    const second = setup();
    const b = recorder();
    second.session.openStream([], b.events);
    second.session.receive(Buffer.from([0x80, 0x02, 0, 6, 0, 0, 0, 4, 0, 0, 0, 1]));
    assert.match(b.log.reset ?? '', /broke the SPDY protocol: SPDY version 2/);
    assert.equal(second.transport.frames.at(-1)?.kind, 'goAway');
    assert.equal(second.session.isUsable, false);
  });

  it('ignores frames it has no use for', () => {
    const { transport, session, closes } = setup();
    sessions.push(session);
    const a = recorder();
    session.openStream([], a.events);
    session.receive(controlFrame(9, 0, 1, 1000)); // WINDOW_UPDATE
    session.receive(controlFrame(4, 0, 0)); // SETTINGS
    session.receive(controlFrame(8, 0, 1)); // HEADERS
    assert.equal(session.isUsable, true);
    assert.deepEqual(closes, []);
    assert.deepEqual(a.log, { data: '', ended: false });
    assert.deepEqual(
      transport.frames.map((frame) => frame.kind),
      ['syn'],
      'nothing sent in answer',
    );
  });
});
