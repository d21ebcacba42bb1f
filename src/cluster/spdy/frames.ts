// SPDY/3 framing: what kubectl and the kubelet speak for port-forward (moby/spdystream on the
// server side), carried over a WebSocket or an upgraded HTTP connection. Pure: no sockets here.
//
// Only what a port-forward client needs is encoded: SYN_STREAM, DATA, RST_STREAM, PING and
// GOAWAY. Incoming header blocks (SYN_REPLY, HEADERS) are never decoded: the port-forward answer
// travels on the error stream, so the server's header compression state can be ignored.

export const SPDY_VERSION = 3;

export const FrameType = {
  SynStream: 1,
  SynReply: 2,
  RstStream: 3,
  Settings: 4,
  Ping: 6,
  GoAway: 7,
  Headers: 8,
  WindowUpdate: 9,
} as const;
type FrameTypeCode = (typeof FrameType)[keyof typeof FrameType];

export const FLAG_FIN = 0x01;

/** RST_STREAM status codes (SPDY/3 section 2.6.3). */
export const ResetStatus = {
  ProtocolError: 1,
  InvalidStream: 2,
  RefusedStream: 3,
  Cancel: 5,
  InternalError: 6,
} as const;
export type ResetStatusCode = (typeof ResetStatus)[keyof typeof ResetStatus];

export type ControlFrame =
  | { readonly kind: 'synReply'; readonly streamId: number; readonly fin: boolean }
  | { readonly kind: 'rstStream'; readonly streamId: number; readonly status: number }
  | { readonly kind: 'ping'; readonly id: number }
  | { readonly kind: 'goAway'; readonly lastGoodStreamId: number; readonly status: number }
  /** SETTINGS, HEADERS, WINDOW_UPDATE, SYN_STREAM from the server: nothing a port-forward acts on. */
  | { readonly kind: 'ignored'; readonly type: number };

export interface FrameSink {
  /** Payload of a DATA frame, possibly in several pieces; `fin` is set on the last piece only. */
  onData(streamId: number, data: Buffer, fin: boolean): void;
  onControl(frame: ControlFrame): void;
  /** The byte stream is not SPDY/3: the connection must be dropped. */
  onProtocolError(message: string): void;
}

const HEADER_LENGTH = 8;
const MAX_FRAME_LENGTH = 0xffffff;
/** A control frame bigger than this is not a port-forward server talking. */
const MAX_CONTROL_LENGTH = 1 << 20;

function controlHeader(type: FrameTypeCode, flags: number, length: number): Buffer {
  const frame = Buffer.allocUnsafe(HEADER_LENGTH + length);
  frame.writeUInt16BE(0x8000 | SPDY_VERSION, 0);
  frame.writeUInt16BE(type, 2);
  frame.writeUInt32BE(((flags & 0xff) << 24) | length, 4);
  return frame;
}

/** Header of a DATA frame; the payload follows it on the wire. */
function encodeDataHeader(streamId: number, length: number, fin: boolean): Buffer {
  if (length > MAX_FRAME_LENGTH)
    throw new RangeError(`DATA frame of ${length} bytes exceeds SPDY's 16 MiB limit`);
  const header = Buffer.allocUnsafe(HEADER_LENGTH);
  header.writeUInt32BE(streamId & 0x7fffffff, 0);
  header.writeUInt32BE(((fin ? FLAG_FIN : 0) << 24) | length, 4);
  return header;
}

/** Splits a payload into DATA frames no bigger than SPDY allows, as [header, payload] pairs. */
export function encodeData(streamId: number, data: Buffer, fin: boolean): Buffer[] {
  const pieces: Buffer[] = [];
  let offset = 0;
  do {
    const end = Math.min(offset + MAX_FRAME_LENGTH, data.length);
    const last = end === data.length;
    pieces.push(encodeDataHeader(streamId, end - offset, fin && last));
    if (end > offset) pieces.push(data.subarray(offset, end));
    offset = end;
  } while (offset < data.length);
  return pieces;
}

export function encodeRstStream(streamId: number, status: ResetStatusCode): Buffer {
  const frame = controlHeader(FrameType.RstStream, 0, 8);
  frame.writeUInt32BE(streamId & 0x7fffffff, 8);
  frame.writeUInt32BE(status, 12);
  return frame;
}

export function encodePing(id: number): Buffer {
  const frame = controlHeader(FrameType.Ping, 0, 4);
  frame.writeUInt32BE(id >>> 0, 8);
  return frame;
}

export function encodeGoAway(lastGoodStreamId: number): Buffer {
  const frame = controlHeader(FrameType.GoAway, 0, 8);
  frame.writeUInt32BE(lastGoodStreamId & 0x7fffffff, 8);
  frame.writeUInt32BE(0, 12);
  return frame;
}

/** The uncompressed SPDY/3 name/value block: count, then length-prefixed lowercase names and values. */
export function encodeHeaderBlock(headers: ReadonlyArray<readonly [string, string]>): Buffer {
  const parts: Buffer[] = [];
  const count = Buffer.allocUnsafe(4);
  count.writeUInt32BE(headers.length, 0);
  parts.push(count);
  for (const [name, value] of headers) {
    for (const text of [name.toLowerCase(), value]) {
      const bytes = Buffer.from(text, 'utf8');
      const length = Buffer.allocUnsafe(4);
      length.writeUInt32BE(bytes.length, 0);
      parts.push(length, bytes);
    }
  }
  return Buffer.concat(parts);
}

const STORED_BLOCK_MAX = 0xffff;

/**
 * SPDY/3 compresses header blocks as one zlib stream per connection direction. The server only
 * needs to inflate what we send, so we send "stored" (uncompressed) deflate blocks: valid zlib that
 * costs no compressor state, and each block ends on a byte boundary like a sync flush.
 */
export class HeaderBlockCompressor {
  private started = false;

  compress(block: Buffer): Buffer {
    const parts: Buffer[] = [];
    if (!this.started) {
      // CMF 0x78 (deflate, 32 KiB window), FLG 0x01 (no preset dictionary; check bits make 0x7801 % 31 == 0).
      parts.push(Buffer.from([0x78, 0x01]));
      this.started = true;
    }
    for (let offset = 0; offset < block.length; offset += STORED_BLOCK_MAX) {
      const piece = block.subarray(offset, offset + STORED_BLOCK_MAX);
      parts.push(storedBlockHeader(piece.length), piece);
    }
    // The empty stored block a zlib sync flush ends with: the inflater has everything up to here.
    parts.push(storedBlockHeader(0));
    return Buffer.concat(parts);
  }
}

function storedBlockHeader(length: number): Buffer {
  const header = Buffer.allocUnsafe(5);
  header[0] = 0x00; // BFINAL 0, BTYPE 00 (stored)
  header.writeUInt16LE(length, 1);
  header.writeUInt16LE(~length & 0xffff, 3);
  return header;
}

export function encodeSynStream(streamId: number, compressedHeaders: Buffer, fin: boolean): Buffer {
  const frame = controlHeader(
    FrameType.SynStream,
    fin ? FLAG_FIN : 0,
    10 + compressedHeaders.length,
  );
  frame.writeUInt32BE(streamId & 0x7fffffff, 8);
  frame.writeUInt32BE(0, 12); // associated stream: none
  frame.writeUInt16BE(0, 16); // priority 0 (highest), slot 0
  compressedHeaders.copy(frame, 18);
  return frame;
}

/**
 * Turns a byte stream, arriving in arbitrary chunks, into frames. DATA payloads are handed on as
 * they arrive (slices of the incoming chunks, no copy, no waiting for a whole 16 MiB frame);
 * control frames are gathered until complete.
 */
export class FrameParser {
  private pending: Buffer[] = [];
  private pendingLength = 0;
  /** Inside a DATA frame: its stream, bytes still to come and whether it carries FIN. */
  private dataStream = 0;
  private dataRemaining = 0;
  private dataFin = false;
  private failed = false;

  constructor(private readonly sink: FrameSink) {}

  push(chunk: Buffer): void {
    if (this.failed) return;
    let offset = 0;
    while (offset < chunk.length && !this.failed) {
      if (this.dataRemaining > 0) {
        const take = Math.min(this.dataRemaining, chunk.length - offset);
        this.dataRemaining -= take;
        const last = this.dataRemaining === 0;
        this.sink.onData(
          this.dataStream,
          chunk.subarray(offset, offset + take),
          last && this.dataFin,
        );
        offset += take;
        continue;
      }
      const needed = HEADER_LENGTH - this.pendingLength;
      if (this.pendingLength < HEADER_LENGTH) {
        const take = Math.min(needed, chunk.length - offset);
        this.keep(chunk.subarray(offset, offset + take));
        offset += take;
        if (this.pendingLength < HEADER_LENGTH) return;
      }
      const header = this.gathered(HEADER_LENGTH);
      const length = header.readUInt32BE(4) & 0xffffff;
      const flags = header[4];
      if ((header[0] & 0x80) === 0) {
        this.reset();
        this.dataStream = header.readUInt32BE(0) & 0x7fffffff;
        this.dataFin = (flags & FLAG_FIN) !== 0;
        this.dataRemaining = length;
        if (length === 0) this.sink.onData(this.dataStream, Buffer.alloc(0), this.dataFin);
        continue;
      }
      const version = header.readUInt16BE(0) & 0x7fff;
      if (version !== SPDY_VERSION)
        return this.fail(`SPDY version ${version}, expected ${SPDY_VERSION}`);
      if (length > MAX_CONTROL_LENGTH) return this.fail(`control frame of ${length} bytes`);
      const take = Math.min(HEADER_LENGTH + length - this.pendingLength, chunk.length - offset);
      this.keep(chunk.subarray(offset, offset + take));
      offset += take;
      if (this.pendingLength < HEADER_LENGTH + length) return;
      const frame = this.gathered(HEADER_LENGTH + length);
      this.reset();
      this.control(frame.readUInt16BE(2), flags, frame.subarray(HEADER_LENGTH));
    }
  }

  private control(type: number, flags: number, body: Buffer): void {
    const needs = (bytes: number) => {
      if (body.length >= bytes) return true;
      this.fail(`control frame type ${type} of ${body.length} bytes is too short`);
      return false;
    };
    switch (type) {
      case FrameType.SynReply:
        if (needs(4))
          this.sink.onControl({
            kind: 'synReply',
            streamId: body.readUInt32BE(0) & 0x7fffffff,
            fin: (flags & FLAG_FIN) !== 0,
          });
        return;
      case FrameType.RstStream:
        if (needs(8))
          this.sink.onControl({
            kind: 'rstStream',
            streamId: body.readUInt32BE(0) & 0x7fffffff,
            status: body.readUInt32BE(4),
          });
        return;
      case FrameType.Ping:
        if (needs(4)) this.sink.onControl({ kind: 'ping', id: body.readUInt32BE(0) });
        return;
      case FrameType.GoAway:
        if (needs(4))
          this.sink.onControl({
            kind: 'goAway',
            lastGoodStreamId: body.readUInt32BE(0) & 0x7fffffff,
            status: body.length >= 8 ? body.readUInt32BE(4) : 0,
          });
        return;
      default:
        this.sink.onControl({ kind: 'ignored', type });
    }
  }

  private keep(piece: Buffer): void {
    if (piece.length === 0) return;
    this.pending.push(piece);
    this.pendingLength += piece.length;
  }

  /** The first `length` kept bytes as one buffer (a copy only when they arrived in pieces). */
  private gathered(length: number): Buffer {
    if (this.pending.length > 1) this.pending = [Buffer.concat(this.pending, this.pendingLength)];
    return this.pending[0].subarray(0, length);
  }

  private reset(): void {
    this.pending = [];
    this.pendingLength = 0;
  }

  private fail(message: string): void {
    this.failed = true;
    this.reset();
    this.sink.onProtocolError(message);
  }
}
