// The far and near ends of every port-forward path the portForward bench measures, run in a
// process of their own so the load they generate does not share the event loop of the forward
// being measured (kubectl's forward has its own process too).
//   serve          starts an HTTP server sending N zero bytes (GET /bytes?n=N), prints {"port"}
//                  and runs until stdin closes;
//   measure PORT   runs one round of measurements through 127.0.0.1:PORT, printed as JSON.
import * as http from 'node:http';

const BIG_TRANSFER = Number(process.env.KMW_BENCH_TRANSFER_MIB ?? 256) * 1024 * 1024;
const SETUP_SAMPLES = 100;
export const CONCURRENT = 50;
const CONCURRENT_BYTES = 1024 * 1024;

/** One round of measurements through a path. */
export interface PathRound {
  transferMs: number;
  /** Connection setup + 1-byte GET, each on a new connection, in ms. */
  setupsMs: number[];
  concurrentMs: number;
  /** Every byte this round pulled through the path (for CPU per GiB). */
  totalBytes: number;
}

export const BIG_TRANSFER_BYTES = BIG_TRANSFER;

async function serve(): Promise<void> {
  const chunk = Buffer.alloc(1024 * 1024);
  const server = http.createServer((request, response) => {
    const size = Number(new URL(request.url ?? '/', 'http://x').searchParams.get('n') ?? '1');
    response.writeHead(200, { 'Content-Length': size, 'Content-Type': 'application/octet-stream' });
    let left = size;
    const pump = () => {
      while (left > 0) {
        const piece = left >= chunk.length ? chunk : chunk.subarray(0, left);
        left -= piece.length;
        if (!response.write(piece)) {
          response.once('drain', pump);
          return;
        }
      }
      response.end();
    };
    pump();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  process.stdout.write(
    `${JSON.stringify({ port: (server.address() as { port: number }).port })}\n`,
  );
  process.stdin.resume();
  process.stdin.on('end', () => process.exit(0));
}

function fetchBytes(port: number, size: number): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: `/bytes?n=${size}`, agent: false }, (response) => {
        let received = 0;
        response.on('data', (data: Buffer) => (received += data.length));
        response.on('end', () =>
          received === size
            ? resolve(received)
            : reject(new Error(`got ${received} of ${size} bytes`)),
        );
      })
      .on('error', reject);
  });
}

async function timeMs(action: () => Promise<unknown>): Promise<number> {
  const started = process.hrtime.bigint();
  await action();
  return Number(process.hrtime.bigint() - started) / 1e6;
}

async function measure(port: number): Promise<PathRound> {
  await fetchBytes(port, 1024 * 1024);
  const transferMs = await timeMs(() => fetchBytes(port, BIG_TRANSFER));
  const setupsMs: number[] = [];
  for (let i = 0; i < SETUP_SAMPLES; i++) setupsMs.push(await timeMs(() => fetchBytes(port, 1)));
  const concurrentMs = await timeMs(() =>
    Promise.all(Array.from({ length: CONCURRENT }, () => fetchBytes(port, CONCURRENT_BYTES))),
  );
  const totalBytes = 1024 * 1024 + BIG_TRANSFER + SETUP_SAMPLES + CONCURRENT * CONCURRENT_BYTES;
  return { transferMs, setupsMs, concurrentMs, totalBytes };
}

if (require.main === module) {
  const [mode, port] = process.argv.slice(2);
  const work =
    mode === 'serve'
      ? serve()
      : measure(Number(port)).then((figures) =>
          process.stdout.write(`${JSON.stringify(figures)}\n`),
        );
  work.catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  });
}
