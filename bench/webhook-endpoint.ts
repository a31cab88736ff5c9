// A webhook endpoint for the fan-in benchmark: answers every POST after a fixed delay and counts the events.
// Usage: tsx bench/webhook-endpoint.ts [port=18090] [delayMs=50]; prints the totals on SIGINT / SIGTERM.
import { createServer } from 'node:http';

const port = Number(process.argv[2] ?? 18090);
const delayMs = Number(process.argv[3] ?? 50);
let requests = 0;
let events = 0;
let bytes = 0;

const server = createServer((req, res) => {
  let size = 0;
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => {
    size += c.length;
    chunks.push(c);
  });
  req.on('end', () => {
    requests++;
    bytes += size;
    // Count events without parsing the whole body: each one starts with this key.
    const text = Buffer.concat(chunks).toString('utf8');
    events += text.split('{"event":').length - 1;
    setTimeout(() => res.end('{}'), delayMs);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(port, '127.0.0.1', () => console.log(`webhook endpoint on 127.0.0.1:${port}, answering after ${delayMs} ms`));

function report(): void {
  console.log(`requests=${requests} events=${events} bytes=${bytes}`);
  process.exit(0);
}
process.on('SIGINT', report);
process.on('SIGTERM', report);
