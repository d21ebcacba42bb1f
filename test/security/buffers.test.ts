import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { LogSpool } from '../../src/logs/logSpool';
import { listModels, streamCompletion } from '../../src/serving/openAiClient';
import { SseParser } from '../../src/serving/model/sse';
import { waitFor } from '../waitFor';
import { rejectionOf } from './rejectionOf';

/** A server on loopback that answers every request with an endless body of `unit`. */
async function endlessServer(
  unit: string,
  contentType: string,
  status = 200,
): Promise<{ url: string; close: () => Promise<void> }> {
  const chunk = Buffer.from(unit.repeat(Math.ceil(65536 / unit.length)));
  const server = http.createServer((request, response) => {
    request.resume();
    response.writeHead(status, { 'content-type': contentType });
    const pump = () => {
      while (!response.destroyed && response.write(chunk));
      if (!response.destroyed) response.once('drain', pump);
    };
    response.on('close', () => response.removeAllListeners('drain'));
    pump();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('security: buffers fed by hostile peers stay bounded', function () {
  this.timeout(30_000);

  it('an endless /v1/models body is refused after 1 MiB', async () => {
    const server = await endlessServer('{"data":[', 'application/json');
    try {
      const error = await rejectionOf(listModels(server.url));
      assert.equal(error.kind, 'invalidInput');
      assert.match(error.message, /more than 1024 KiB/);
    } finally {
      await server.close();
    }
  });

  it('an endless error body is cut to its start', async () => {
    const server = await endlessServer('x', 'text/plain', 500);
    try {
      const error = await rejectionOf(listModels(server.url));
      assert.match(error.message, /answered 500/);
      assert.ok(error.message.length < 1000);
    } finally {
      await server.close();
    }
  });

  it('a streamed completion with one endless event is stopped', async () => {
    const server = await endlessServer(
      'data: {"choices":[{"delta":{"content":"aaaa',
      'text/event-stream',
    );
    try {
      const error = await rejectionOf(
        streamCompletion(server.url, { path: '/v1/chat/completions', body: {} }, () => undefined),
      );
      assert.match(error.message, /one event of more than 4 MiB/);
    } finally {
      await server.close();
    }
  });

  it('a streamed completion that never ends is stopped', async () => {
    const server = await endlessServer(
      'data: {"choices":[{"delta":{"content":"token "}}]}\n\n',
      'text/event-stream',
    );
    try {
      let received = 0;
      const error = await rejectionOf(
        streamCompletion(
          server.url,
          { path: '/v1/chat/completions', body: {} },
          (text) => (received += text.length),
        ),
      );
      assert.match(error.message, /more than 8 MiB of text/);
      assert.ok(received <= 8 * 1024 * 1024);
    } finally {
      await server.close();
    }
  });

  it('the SSE parser scans a line without a break once, and refuses it past its budget', () => {
    const parser = new SseParser(1024 * 1024);
    const chunk = 'x'.repeat(1024);
    const started = performance.now();
    for (let index = 0; index < 2000 && !parser.overflowed; index++) parser.push(chunk);
    assert.ok(parser.overflowed);
    assert.ok(performance.now() - started < 1000);
    assert.deepEqual(parser.push('\n\n'), []);
  });

  it('the log spool keeps at most its budget on disk and saves the newest lines', async () => {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'kmw-spool-'));
    const errors: Error[] = [];
    const spool = new LogSpool(
      path.join(folder, 'pod.log'),
      (error) => errors.push(error),
      64 * 1024,
    );
    const line = (index: number) =>
      `2026-01-01T00:00:00Z pod line ${String(index).padStart(6, '0')} ${'x'.repeat(80)}\n`;
    for (let index = 0; index < 10_000; index++) spool.write(line(index), 1);
    const target = path.join(folder, 'saved.log');
    const saved = await spool.saveTo(target);
    await waitFor(
      () => fs.readdirSync(folder).filter((name) => name.startsWith('pod.log')).length === 2,
      5000,
      'the dropped spool files to be deleted',
    );
    const onDisk = fs
      .readdirSync(folder)
      .filter((name) => name.startsWith('pod.log'))
      .reduce((sum, name) => sum + fs.statSync(path.join(folder, name)).size, 0);
    assert.ok(onDisk <= 64 * 1024 + line(0).length * 2, `${onDisk} bytes on disk`);
    const lines = fs.readFileSync(target, 'utf8').split('\n').filter(Boolean);
    assert.match(lines[0]!, /^# \d+ earlier lines are not kept/);
    assert.equal(lines.length - 1, saved.lines);
    assert.equal(saved.lines + saved.droppedLines, 10_000);
    assert.equal(lines[lines.length - 1], line(9999).trimEnd());
    spool.dispose();
    assert.deepEqual(errors, []);
    fs.rmSync(folder, { recursive: true, force: true });
  });
});
