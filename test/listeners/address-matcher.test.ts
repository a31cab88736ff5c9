// Address lists (trusted proxies, auth rule CIDRs): the hand-written IPv4 path must agree with node's BlockList.
import assert from 'node:assert/strict';
import { BlockList, isIP } from 'node:net';
import { test } from 'node:test';
import fc from 'fast-check';
import { createAddressMatcher, parseIPv4 } from '../../src/listeners/address-matcher.js';

const octets = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255));
const dotted = (o: [number, number, number, number]): string => o.join('.');

test('parseIPv4 reads exactly what isIP() calls IPv4', () => {
  for (const s of ['0.0.0.0', '255.255.255.255', '10.1.2.3', '127.0.0.1']) assert.notEqual(parseIPv4(s), -1, s);
  for (const s of ['', '1.2.3', '1.2.3.4.5', '256.1.1.1', '01.2.3.4', '1..2.3', '1.2.3.', 'a.b.c.d', '::1', '1.2.3.4 ', '1234.1.1.1']) {
    assert.equal(parseIPv4(s), -1, s);
    assert.notEqual(isIP(s), 4, s);
  }
  assert.equal(parseIPv4('1.2.3.4'), 0x01020304);
  assert.equal(parseIPv4('255.255.255.255'), 0xffffffff);
  fc.assert(
    fc.property(fc.stringMatching(/^[0-9.]{0,16}$/), (s) => {
      assert.equal(parseIPv4(s) !== -1, isIP(s) === 4);
    }),
  );
});

test('IPv4 CIDR and plain-address rules agree with BlockList for random addresses and prefixes', () => {
  fc.assert(
    fc.property(octets, fc.integer({ min: 0, max: 32 }), octets, (net, prefix, addr) => {
      const list = new BlockList();
      list.addSubnet(dotted(net), prefix, 'ipv4');
      const matcher = createAddressMatcher([`${dotted(net)}/${prefix}`]);
      assert.equal(matcher(dotted(addr)), list.check(dotted(addr), 'ipv4'));
      // Dual-stack sockets report IPv4 peers as ::ffff:a.b.c.d.
      assert.equal(matcher(`::ffff:${dotted(addr)}`), list.check(dotted(addr), 'ipv4'));
      assert.equal(createAddressMatcher([dotted(net)])(dotted(addr)), dotted(net) === dotted(addr));
    }),
  );
});

test('IPv6 rules, mixed lists, and bad entries', () => {
  const m = createAddressMatcher(['10.0.0.0/8', '::1', 'fd00::/8', '192.168.1.7']);
  assert.equal(m('10.200.3.4'), true);
  assert.equal(m('11.0.0.1'), false);
  assert.equal(m('::1'), true);
  assert.equal(m('fd12::5'), true);
  assert.equal(m('fe80::1'), false);
  assert.equal(m('192.168.1.7'), true);
  assert.equal(m('::FFFF:10.1.1.1'), true);
  assert.equal(m('not an address'), false);
  assert.equal(m(''), false);
  assert.equal(createAddressMatcher(['0.0.0.0/0'])('203.0.113.9'), true);
  for (const bad of ['10.0.0.0/33', '10.0.0.0/', 'fd00::/129', 'host.example', '10.0.0.0/x']) {
    assert.throws(() => createAddressMatcher([bad]), TypeError, bad);
  }
});
