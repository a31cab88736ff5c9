// PROXY protocol v1/v2: header decoding, and the TCP listener's trust model over real sockets.
// Glossary: "trusted peer" = a socket whose address is in proxyProtocol.trusted; only it must send a header.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeProxyHeader, PROXY_V2_MAX_PAYLOAD } from '../../src/listeners/proxy-protocol.js';
import { TcpListener } from '../../src/listeners/tcp-listener.js';
import { waitFor } from '../helpers/broker.js';
import { closed, createEcho, dial, readBytes } from './helpers.js';

const SIG = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);

function v2(command: number, family: number, body: Buffer): Buffer {
  const head = Buffer.alloc(4);
  head[0] = 0x20 | command;
  head[1] = family;
  head.writeUInt16BE(body.length, 2);
  return Buffer.concat([SIG, head, body]);
}

function v2Ipv4(src: number[], sport: number, dst: number[], dport: number, tlvs = Buffer.alloc(0)): Buffer {
  const body = Buffer.alloc(12);
  Buffer.from(src).copy(body, 0);
  Buffer.from(dst).copy(body, 4);
  body.writeUInt16BE(sport, 8);
  body.writeUInt16BE(dport, 10);
  return v2(1, 0x11, Buffer.concat([body, tlvs]));
}

function v2Ipv6(src: Buffer, sport: number, dst: Buffer, dport: number): Buffer {
  const body = Buffer.alloc(36);
  src.copy(body, 0);
  dst.copy(body, 16);
  body.writeUInt16BE(sport, 32);
  body.writeUInt16BE(dport, 34);
  return v2(1, 0x21, body);
}

const V6_SRC = Buffer.from('20010db8000000000000000000000042', 'hex'); // 2001:db8::42
const V6_DST = Buffer.from('20010db8000000010000000000000001', 'hex'); // 2001:db8:0:1::1
const CONNECT = Buffer.from([0x10, 0x0c, 0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x05, 0x02, 0x00, 0x3c, 0x00, 0x00]);

test('decode: v1 TCP4, TCP6 and UNKNOWN', () => {
  const line = Buffer.from('PROXY TCP4 203.0.113.7 192.0.2.1 5555 1883\r\nrest');
  assert.deepEqual(decodeProxyHeader(line), {
    kind: 'header', length: line.length - 4, version: 1,
    address: { sourceAddress: '203.0.113.7', sourcePort: 5555, destinationAddress: '192.0.2.1', destinationPort: 1883 },
  });
  const six = decodeProxyHeader(Buffer.from('PROXY TCP6 2001:db8::42 2001:db8::1 40000 8883\r\n'));
  assert.equal(six.kind, 'header');
  assert.equal(six.kind === 'header' ? six.address?.sourceAddress : '', '2001:db8::42');
  const unknown = decodeProxyHeader(Buffer.from('PROXY UNKNOWN ffff::1 ffff::2 1 2\r\n'));
  assert.deepEqual(unknown, { kind: 'header', length: 35, version: 1, address: undefined });
});

test('decode: every strict prefix of a header is incomplete', () => {
  const headers = [
    Buffer.from('PROXY TCP4 203.0.113.7 192.0.2.1 5555 1883\r\n'),
    v2Ipv4([10, 1, 2, 3], 1000, [10, 0, 0, 1], 1883),
    v2Ipv6(V6_SRC, 4242, V6_DST, 8883),
  ];
  for (const header of headers) {
    for (let n = 0; n < header.length; n++) {
      assert.equal(decodeProxyHeader(header.subarray(0, n)).kind, 'incomplete', `prefix ${n} of ${header.length}`);
    }
    assert.equal(decodeProxyHeader(header).kind, 'header');
  }
});

test('decode: v2 IPv4 with TLVs skipped, IPv6 compressed, UNIX paths, LOCAL and UNSPEC use the socket', () => {
  const tlv = Buffer.from([0x01, 0x00, 0x02, 0x68, 0x32, 0x04, 0x00, 0x00]); // ALPN "h2", NOOP
  const four = v2Ipv4([198, 51, 100, 9], 61000, [10, 0, 0, 1], 1883, tlv);
  assert.deepEqual(decodeProxyHeader(Buffer.concat([four, CONNECT])), {
    kind: 'header', length: four.length, version: 2,
    address: { sourceAddress: '198.51.100.9', sourcePort: 61000, destinationAddress: '10.0.0.1', destinationPort: 1883 },
  });
  const six = decodeProxyHeader(v2Ipv6(V6_SRC, 4242, V6_DST, 8883));
  assert.equal(six.kind === 'header' ? six.address?.sourceAddress : '', '2001:db8::42');
  assert.equal(six.kind === 'header' ? six.address?.destinationAddress : '', '2001:db8:0:1::1');
  const unixBody = Buffer.alloc(216);
  unixBody.write('/run/client.sock', 0);
  unixBody.write('/run/mqtt.sock', 108);
  const unix = decodeProxyHeader(v2(1, 0x31, unixBody));
  assert.equal(unix.kind === 'header' ? unix.address?.sourceAddress : '', '/run/client.sock');
  assert.equal(unix.kind === 'header' ? unix.address?.sourcePort : -1, 0);
  assert.deepEqual(decodeProxyHeader(v2(0, 0x11, Buffer.alloc(12))), { kind: 'header', length: 28, version: 2, address: undefined });
  assert.deepEqual(decodeProxyHeader(v2(1, 0x00, Buffer.alloc(0))), { kind: 'header', length: 16, version: 2, address: undefined });
});

test('decode: garbage, oversized and malformed headers are invalid', () => {
  const bad = [
    CONNECT,
    Buffer.from('PROXZ TCP4 1.2.3.4 5.6.7.8 1 2\r\n'),
    Buffer.from(`PROXY TCP4 ${'1'.repeat(120)}`), // no CRLF within 107 bytes
    Buffer.from('PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n'), // LF without CR
    Buffer.from('PROXY TCP4 1.2.3.400 5.6.7.8 1 2\r\n'),
    Buffer.from('PROXY TCP4 1.2.3.4 5.6.7.8 1 65536\r\n'),
    Buffer.from('PROXY TCP4 ::1 5.6.7.8 1 2\r\n'),
    Buffer.from('PROXY UDP4 1.2.3.4 5.6.7.8 1 2\r\n'),
    Buffer.from('PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n'),
    Buffer.concat([SIG, Buffer.from([0x10, 0x11, 0x00, 0x0c]), Buffer.alloc(12)]), // version 1 in the v2 slot
    Buffer.concat([SIG, Buffer.from([0x22, 0x11, 0x00, 0x0c]), Buffer.alloc(12)]), // command 2
    v2(1, 0x11, Buffer.alloc(4)), // IPv4 block too short
    v2(1, 0x41, Buffer.alloc(12)), // unknown family
    Buffer.concat([SIG, Buffer.from([0x21, 0x11]), Buffer.from([(PROXY_V2_MAX_PAYLOAD + 1) >> 8, (PROXY_V2_MAX_PAYLOAD + 1) & 0xff])]),
  ];
  for (const buf of bad) assert.equal(decodeProxyHeader(buf).kind, 'invalid', buf.toString('latin1'));
});

async function proxiedListener(trusted: string[], headerTimeoutMs?: number): Promise<{ listener: TcpListener; port: number; echo: ReturnType<typeof createEcho> }> {
  const echo = createEcho();
  const listener = new TcpListener({ port: 0, proxyProtocol: { trusted, ...(headerTimeoutMs === undefined ? {} : { headerTimeoutMs }) } });
  await listener.listen(echo.handler);
  const address = listener.address();
  assert.ok(address !== undefined && 'port' in address);
  return { listener, port: address.port, echo };
}

test('tcp+proxy: a trusted v1 header sets meta, and MQTT bytes in the same chunk survive', async () => {
  const { listener, port, echo } = await proxiedListener(['127.0.0.0/8']);
  const client = await dial(port);
  client.write(Buffer.concat([Buffer.from('PROXY TCP4 203.0.113.7 192.0.2.1 5555 1883\r\n'), CONNECT]));
  assert.deepEqual(await readBytes(client, CONNECT.length), CONNECT);
  const { meta } = await echo.next();
  assert.equal(meta.remoteAddress, '203.0.113.7');
  assert.equal(meta.remotePort, 5555);
  assert.equal(meta.localAddress, '127.0.0.1');
  client.destroy();
  echo.destroyAll();
  await listener.close();
});

test('tcp+proxy: a trusted v2 IPv6 header sent byte by byte, then MQTT bytes', async () => {
  const { listener, port, echo } = await proxiedListener(['::1', '127.0.0.1']);
  const client = await dial(port);
  client.setNoDelay(true);
  const header = v2Ipv6(V6_SRC, 4242, V6_DST, 8883);
  for (const byte of header) {
    client.write(Buffer.from([byte]));
    await new Promise((resolve) => setImmediate(resolve));
  }
  client.write(CONNECT);
  assert.deepEqual(await readBytes(client, CONNECT.length), CONNECT);
  const { meta } = await echo.next();
  assert.equal(meta.remoteAddress, '2001:db8::42');
  assert.equal(meta.remotePort, 4242);
  client.destroy();
  echo.destroyAll();
  await listener.close();
});

test('tcp+proxy: a trusted v2 IPv4 header with TLVs and a LOCAL header', async () => {
  const { listener, port, echo } = await proxiedListener(['127.0.0.1']);
  const a = await dial(port);
  a.write(Buffer.concat([v2Ipv4([198, 51, 100, 9], 61000, [10, 0, 0, 1], 1883, Buffer.from([0x04, 0x00, 0x01, 0x00])), CONNECT]));
  assert.deepEqual(await readBytes(a, CONNECT.length), CONNECT);
  assert.equal((await echo.next()).meta.remoteAddress, '198.51.100.9');
  const b = await dial(port);
  b.write(v2(0, 0x00, Buffer.alloc(0)));
  b.write('x');
  assert.equal((await readBytes(b, 1)).toString(), 'x');
  const local = (await echo.next()).meta;
  assert.equal(local.remoteAddress, '127.0.0.1');
  assert.equal(local.remotePort, b.localPort);
  a.destroy();
  b.destroy();
  echo.destroyAll();
  await listener.close();
});

test('tcp+proxy: an untrusted peer\'s PROXY header is not honoured; its bytes reach the broker unchanged', async () => {
  const { listener, port, echo } = await proxiedListener(['10.0.0.0/8']);
  const client = await dial(port);
  const bytes = Buffer.from('PROXY TCP4 203.0.113.7 192.0.2.1 5555 1883\r\n');
  client.write(bytes);
  assert.deepEqual(await readBytes(client, bytes.length), bytes);
  const { meta } = await echo.next();
  assert.equal(meta.remoteAddress, '127.0.0.1');
  assert.equal(meta.remotePort, client.localPort);
  assert.equal(listener.stats().refused.proxy, 0);
  client.destroy();
  echo.destroyAll();
  await listener.close();
});

test('tcp+proxy: a trusted peer without a header, with garbage, an oversized or a truncated header is closed', async () => {
  const { listener, port, echo } = await proxiedListener(['127.0.0.1'], 150);
  const inputs = [
    CONNECT, // MQTT straight away: header required from a trusted peer
    Buffer.from('GET / HTTP/1.1\r\n\r\n'),
    Buffer.from(`PROXY TCP4 ${'9'.repeat(200)}\r\n`),
    Buffer.concat([SIG, Buffer.from([0x21, 0x11, 0xff, 0xff])]),
    Buffer.from('PROXY TCP4 1.2.3.4'), // never completes: closed by the header timeout
  ];
  for (const input of inputs) {
    const client = await dial(port);
    client.write(input);
    await closed(client);
  }
  assert.equal(echo.connections.length, 0);
  await waitFor(() => listener.stats().open === 0, 5000, 'refused sockets to close');
  assert.deepEqual(listener.stats(), { accepted: 0, refused: { maxConnections: 0, rate: 0, addressRate: 0, proxy: inputs.length }, open: 0 });
  await listener.close();
});
