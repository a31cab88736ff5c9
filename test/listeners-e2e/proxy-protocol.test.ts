// End to end PROXY protocol v1/v2: a hand-written header on a raw socket, then MQTT.js over the same socket.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import tls from 'node:tls';
import { encodePacket, TcpListener, TlsListener } from '../../src/index.js';
import { connectPacket } from '../helpers/packets.js';
import { portOf } from '../helpers/ports.js';
import { waitFor } from '../helpers/broker.js';
import { connectStream, createTestCertificates, RecordingAuth, roundTrip, startBrokerOn, subscribe } from './helpers.js';
import type { TestCertificates } from './helpers.js';

const V2_SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);

/** A v1 header claiming a TCP4 source. */
function proxyV1(source: string, sourcePort: number, dest: string, destPort: number): Buffer {
  return Buffer.from(`PROXY TCP4 ${source} ${dest} ${sourcePort} ${destPort}\r\n`, 'latin1');
}

/** A v2 PROXY command over TCP/IPv4. */
function proxyV2Ipv4(source: string, sourcePort: number, dest: string, destPort: number): Buffer {
  const body = Buffer.alloc(12);
  Buffer.from(source.split('.').map(Number)).copy(body, 0);
  Buffer.from(dest.split('.').map(Number)).copy(body, 4);
  body.writeUInt16BE(sourcePort, 8);
  body.writeUInt16BE(destPort, 10);
  return Buffer.concat([V2_SIGNATURE, Buffer.from([0x21, 0x11, 0x00, body.length]), body]);
}

/** A v2 PROXY command over TCP/IPv6, with one TLV after the addresses (which must be skipped). */
function proxyV2Ipv6(source: Buffer, sourcePort: number, destPort: number): Buffer {
  const addresses = Buffer.alloc(36);
  source.copy(addresses, 0);
  addresses[31] = 1; // destination ::1
  addresses.writeUInt16BE(sourcePort, 32);
  addresses.writeUInt16BE(destPort, 34);
  const tlv = Buffer.from([0x04, 0x00, 0x03, 0x61, 0x62, 0x63]); // PP2_TYPE_NOOP, "abc"
  const length = Buffer.alloc(2);
  length.writeUInt16BE(addresses.length + tlv.length);
  return Buffer.concat([V2_SIGNATURE, Buffer.from([0x21, 0x21]), length, addresses, tlv]);
}

/** A TCP socket to `port` that sends `header` before anything MQTT.js writes. */
function withHeader(port: number, header: Buffer): () => net.Socket {
  return () => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.write(header);
    return socket;
  };
}

let certs: TestCertificates;
before(() => {
  certs = createTestCertificates();
});
after(() => certs.remove());

describe('PROXY protocol from a trusted peer', () => {
  const cases = [
    { name: 'v1', header: (port: number) => proxyV1('203.0.113.7', 40001, '127.0.0.1', port), address: '203.0.113.7', port: 40001 },
    { name: 'v2 IPv4', header: (port: number) => proxyV2Ipv4('198.51.100.20', 40002, '127.0.0.1', port), address: '198.51.100.20', port: 40002 },
    {
      name: 'v2 IPv6 with a TLV',
      header: (port: number) => proxyV2Ipv6(Buffer.from('20010db8000000000000000000000042', 'hex'), 40003, port),
      address: '2001:db8::42',
      port: 40003,
    },
  ];
  for (const c of cases) {
    it(`${c.name}: the proxied source reaches client.remoteAddress and MQTT flows after the header`, async () => {
      const listener = new TcpListener({ port: 0, proxyProtocol: { trusted: ['127.0.0.1'] } });
      const auth = new RecordingAuth();
      const b = await startBrokerOn([listener], [auth]);
      try {
        const port = portOf(listener);
        const sub = await connectStream(b, withHeader(port, c.header(port)), { protocolVersion: 5, clientId: 'behind-proxy' });
        const pub = await connectStream(b, withHeader(port, proxyV1('192.0.2.1', 1234, '127.0.0.1', port)), { protocolVersion: 4, clientId: 'other' });
        await subscribe(sub, 'e2e/proxy');
        assert.equal((await roundTrip(pub, sub, 'e2e/proxy', 'through the proxy')).toString(), 'through the proxy');
        const info = auth.clientFor('behind-proxy');
        assert.equal(info.remoteAddress, c.address);
        assert.equal(info.remotePort, c.port);
        assert.equal(b.broker.client('behind-proxy')?.remoteAddress, c.address);
        assert.equal(auth.clientFor('other').remoteAddress, '192.0.2.1');
        assert.equal(listener.stats().refused.proxy, 0);
      } finally {
        await b.close();
      }
    });
  }

  it('mTLS listener: the header comes before the ClientHello; the source and the client certificate both reach the hook', async () => {
    const listener = new TlsListener({
      port: 0,
      cert: certs.serverCert,
      key: certs.serverKey,
      ca: certs.caCert,
      clientCertificates: 'required',
      proxyProtocol: { trusted: ['127.0.0.1'] },
    });
    const auth = new RecordingAuth();
    const b = await startBrokerOn([listener], [auth]);
    try {
      const port = portOf(listener);
      const build = (): tls.TLSSocket => tls.connect({ socket: withHeader(port, proxyV2Ipv4('203.0.113.99', 50000, '127.0.0.1', port))(), ca: certs.caCert, cert: certs.clientCert, key: certs.clientKey, servername: 'localhost' });
      const client = await connectStream(b, build, { protocolVersion: 5, clientId: 'tls-proxied' });
      await subscribe(client, 'e2e/proxy-tls');
      assert.equal((await roundTrip(client, client, 'e2e/proxy-tls', 'secure and proxied')).toString(), 'secure and proxied');
      const info = auth.clientFor('tls-proxied');
      assert.equal(info.transport, 'tls');
      assert.equal(info.remoteAddress, '203.0.113.99');
      assert.equal(info.remotePort, 50000);
      assert.equal(info.certificate?.commonName, 'device-1');
      assert.equal(info.certificate.authorized, true);
    } finally {
      await b.close();
    }
  });

  it('a trusted peer without a header is refused and counted', async () => {
    const listener = new TcpListener({ port: 0, proxyProtocol: { trusted: ['127.0.0.1'], headerTimeoutMs: 200 } });
    const auth = new RecordingAuth();
    const b = await startBrokerOn([listener], [auth]);
    try {
      await assert.rejects(connectStream(b, () => net.connect({ host: '127.0.0.1', port: portOf(listener) }), { clientId: 'no-header' }));
      await waitFor(() => listener.stats().refused.proxy === 1, 5000, 'the refusal to be counted');
      assert.equal(auth.calls.length, 0);
    } finally {
      await b.close();
    }
  });
});

describe('PROXY protocol from an untrusted peer', () => {
  for (const [name, header] of [
    ['v1', proxyV1('203.0.113.7', 40001, '127.0.0.1', 1883)],
    ['v2', proxyV2Ipv4('203.0.113.7', 40001, '127.0.0.1', 1883)],
  ] as const) {
    it(`${name}: the header is not honoured (the connection is closed, no address is spoofed)`, async () => {
      const listener = new TcpListener({ port: 0, proxyProtocol: { trusted: ['10.0.0.0/8'] } });
      const auth = new RecordingAuth();
      const b = await startBrokerOn([listener], [auth]);
      try {
        const port = portOf(listener);
        // Header and CONNECT in one write: the broker reads the header as MQTT, sees no CONNECT first and closes at
        // once [MQTT-3.1.0-1], without waiting for the body the bogus fixed header announced or for the connect timeout.
        const spoofer = withHeader(port, Buffer.concat([header, encodePacket(connectPacket('spoofer', 5), 5)]))();
        const received: Buffer[] = [];
        spoofer.on('data', (chunk: Buffer) => received.push(chunk));
        spoofer.on('error', () => undefined);
        await waitFor(() => spoofer.destroyed || spoofer.readableEnded, 5000, 'the broker to close the spoofing connection');
        spoofer.destroy();
        assert.equal(Buffer.concat(received).length, 0, 'no CONNACK');
        assert.equal(auth.calls.length, 0, 'the spoofed CONNECT never reached authentication');
        // A plain client from the same untrusted peer is served with its real address.
        const honest = await connectStream(b, () => net.connect({ host: '127.0.0.1', port }), { protocolVersion: 5, clientId: 'honest' });
        assert.ok(honest.connected);
        assert.equal(auth.clientFor('honest').remoteAddress, '127.0.0.1');
        assert.equal(listener.stats().refused.proxy, 0, 'untrusted peers are not looked at for headers');
      } finally {
        await b.close();
      }
    });
  }
});
