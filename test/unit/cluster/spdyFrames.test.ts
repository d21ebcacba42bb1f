import * as assert from 'node:assert/strict';
import * as zlib from 'node:zlib';
import {
  FrameParser,
  HeaderBlockCompressor,
  encodeData,
  encodeGoAway,
  encodeHeaderBlock,
  encodePing,
  encodeRstStream,
  encodeSynStream,
  ResetStatus,
  type ControlFrame,
} from '../../../src/cluster/spdy/frames';

interface Parsed {
  data: { streamId: number; data: Buffer; fin: boolean }[];
  control: ControlFrame[];
  errors: string[];
}

function parserFor(): { parser: FrameParser; parsed: Parsed } {
  const parsed: Parsed = { data: [], control: [], errors: [] };
  const parser = new FrameParser({
    onData: (streamId, data, fin) => parsed.data.push({ streamId, data: Buffer.from(data), fin }),
    onControl: (frame) => parsed.control.push(frame),
    onProtocolError: (message) => parsed.errors.push(message),
  });
  return { parser, parsed };
}

/** A control frame as a server would send it. */
function control(type: number, flags: number, body: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header.writeUInt16BE(0x8003, 0);
  header.writeUInt16BE(type, 2);
  header.writeUInt32BE((flags << 24) | body.length, 4);
  return Buffer.concat([header, body]);
}

function u32(...values: number[]): Buffer {
  const buffer = Buffer.alloc(values.length * 4);
  values.forEach((value, index) => buffer.writeUInt32BE(value, index * 4));
  return buffer;
}

/** Reads a SPDY/3 name/value block back into pairs. */
function decodeHeaderBlock(block: Buffer): [string, string][] {
  const pairs: [string, string][] = [];
  let offset = 4;
  for (let i = 0; i < block.readUInt32BE(0); i++) {
    const text = () => {
      const length = block.readUInt32BE(offset);
      const value = block.subarray(offset + 4, offset + 4 + length).toString('utf8');
      offset += 4 + length;
      return value;
    };
    pairs.push([text(), text()]);
  }
  return pairs;
}

describe('SPDY/3 frames', () => {
  it('encodes a name/value block with lowercase names, as SPDY/3 requires', () => {
    const block = encodeHeaderBlock([
      ['streamType', 'data'],
      ['port', '8888'],
    ]);
    assert.deepEqual(decodeHeaderBlock(block), [
      ['streamtype', 'data'],
      ['port', '8888'],
    ]);
    assert.equal(block.length, 4 + (4 + 10 + 4 + 4) + (4 + 4 + 4 + 4));
  });

  it('compresses successive header blocks as one zlib stream a standard inflater reads', () => {
    const compressor = new HeaderBlockCompressor();
    const first = encodeHeaderBlock([
      ['streamtype', 'error'],
      ['port', '22'],
      ['requestid', '0'],
    ]);
    const second = encodeHeaderBlock([
      ['streamtype', 'data'],
      ['port', '22'],
      ['requestid', '0'],
    ]);
    const wire1 = compressor.compress(first);
    const wire2 = compressor.compress(second);
    assert.deepEqual(
      [...wire1.subarray(0, 2)],
      [0x78, 0x01],
      'zlib header only at the start of the stream',
    );
    assert.notDeepEqual([...wire2.subarray(0, 2)], [0x78, 0x01]);
    // Each block ends with a sync-flush marker, so a reader gets all of it without the next frame.
    assert.deepEqual([...wire1.subarray(-5)], [0, 0, 0, 0xff, 0xff]);
    const inflate = (bytes: Buffer) =>
      zlib.inflateSync(bytes, { finishFlush: zlib.constants.Z_SYNC_FLUSH });
    assert.deepEqual(inflate(wire1), first);
    assert.deepEqual(inflate(Buffer.concat([wire1, wire2])), Buffer.concat([first, second]));
  });

  it('splits header blocks larger than one stored deflate block', () => {
    const big = encodeHeaderBlock([['x-big', 'v'.repeat(70_000)]]);
    const wire = new HeaderBlockCompressor().compress(big);
    assert.deepEqual(zlib.inflateSync(wire, { finishFlush: zlib.constants.Z_SYNC_FLUSH }), big);
  });

  it('lays out SYN_STREAM, RST_STREAM, PING and GOAWAY as the SPDY/3 draft says', () => {
    const syn = encodeSynStream(5, Buffer.from([1, 2, 3]), true);
    assert.deepEqual([...syn.subarray(0, 8)], [0x80, 0x03, 0x00, 0x01, 0x01, 0x00, 0x00, 13]);
    assert.equal(syn.readUInt32BE(8), 5);
    assert.equal(syn.readUInt32BE(12), 0);
    assert.deepEqual([...syn.subarray(18)], [1, 2, 3]);
    const rst = encodeRstStream(7, ResetStatus.Cancel);
    assert.deepEqual([...rst], [0x80, 3, 0, 3, 0, 0, 0, 8, 0, 0, 0, 7, 0, 0, 0, 5]);
    assert.deepEqual([...encodePing(9)], [0x80, 3, 0, 6, 0, 0, 0, 4, 0, 0, 0, 9]);
    assert.deepEqual([...encodeGoAway(3)], [0x80, 3, 0, 7, 0, 0, 0, 8, 0, 0, 0, 3, 0, 0, 0, 0]);
  });

  it('encodes DATA frames with FIN only on the last piece and splits at 16 MiB', () => {
    const [header, payload] = encodeData(3, Buffer.from('hi'), true);
    assert.deepEqual([...header], [0, 0, 0, 3, 0x01, 0, 0, 2]);
    assert.equal(payload.toString(), 'hi');
    assert.deepEqual([...encodeData(3, Buffer.alloc(0), true)[0]], [0, 0, 0, 3, 0x01, 0, 0, 0]);
    const pieces = encodeData(1, Buffer.alloc(0xffffff + 10), true);
    assert.equal(pieces.length, 4);
    assert.equal(pieces[0].readUInt32BE(4), 0xffffff, 'first frame: full, no FIN');
    assert.equal(pieces[2].readUInt32BE(4), (0x01 << 24) | 10, 'last frame: FIN + the rest');
  });

  it('parses frames however the bytes are chunked, handing DATA on as it arrives', () => {
    const payload = Buffer.from('hello, pod');
    const stream = Buffer.concat([
      control(2, 0, Buffer.concat([u32(1), Buffer.from([0x78, 0x9c, 1, 2])])), // SYN_REPLY for 1
      ...encodeData(1, payload, false),
      control(6, 0, u32(2)), // PING 2
      ...encodeData(1, Buffer.alloc(0), true),
      control(3, 0, u32(3, 5)), // RST_STREAM 3 CANCEL
      control(4, 0, u32(0)), // SETTINGS: ignored
      control(7, 0, u32(9, 0)), // GOAWAY
    ]);
    for (const chunkSize of [1, 3, 7, stream.length]) {
      const { parser, parsed } = parserFor();
      for (let offset = 0; offset < stream.length; offset += chunkSize)
        parser.push(stream.subarray(offset, offset + chunkSize));
      assert.deepEqual(parsed.errors, []);
      assert.equal(
        Buffer.concat(parsed.data.map((piece) => piece.data)).toString(),
        'hello, pod',
        `chunks of ${chunkSize}`,
      );
      assert.ok(parsed.data.every((piece) => piece.streamId === 1));
      assert.deepEqual(
        parsed.data.filter((piece) => piece.fin).map((piece) => piece.data.length),
        [0],
        'FIN arrives once, on the empty closing frame',
      );
      assert.deepEqual(parsed.control, [
        { kind: 'synReply', streamId: 1, fin: false },
        { kind: 'ping', id: 2 },
        { kind: 'rstStream', streamId: 3, status: 5 },
        { kind: 'ignored', type: 4 },
        { kind: 'goAway', lastGoodStreamId: 9, status: 0 },
      ]);
    }
  });

  it('hands a big DATA frame on in the pieces it arrived in, not after gathering it', () => {
    const { parser, parsed } = parserFor();
    const [header, payload] = encodeData(7, Buffer.alloc(100_000, 1), true);
    parser.push(Buffer.concat([header, payload.subarray(0, 40_000)]));
    assert.equal(parsed.data.length, 1);
    assert.equal(parsed.data[0].data.length, 40_000);
    assert.equal(parsed.data[0].fin, false);
    parser.push(payload.subarray(40_000));
    assert.equal(parsed.data[1].data.length, 60_000);
    assert.equal(parsed.data[1].fin, true);
  });

  it('rejects a stream that is not SPDY/3 without throwing, and ignores what follows', () => {
    const { parser, parsed } = parserFor();
    const wrongVersion = control(6, 0, u32(1));
    wrongVersion.writeUInt16BE(0x8002, 0);
    parser.push(wrongVersion);
    parser.push(control(6, 0, u32(2)));
    assert.equal(parsed.errors.length, 1);
    assert.match(parsed.errors[0], /version 2/);
    assert.deepEqual(parsed.control, []);

    const huge = parserFor();
    const header = Buffer.from([0x80, 3, 0, 2, 0, 0xff, 0xff, 0xff]);
    huge.parser.push(header);
    assert.match(huge.parsed.errors[0], /control frame of 16777215 bytes/);

    const short = parserFor();
    short.parser.push(control(3, 0, u32(1)));
    assert.match(short.parsed.errors[0], /too short/);
  });
});
