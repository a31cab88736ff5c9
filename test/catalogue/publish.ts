// PUBLISH cases: flags, topic names, packet ids and 5.0 properties, valid and malformed.
import { ReasonCode } from '../../src/codec/reason-codes.js';
import { EMPTY_PROPERTIES, PacketType } from '../../src/codec/types.js';
import type { PublishPacket } from '../../src/codec/types.js';
import { hex } from './hex.js';
import type { PacketCase } from './types.js';

const MALFORMED = ReasonCode.MALFORMED_PACKET;
const PROTOCOL = ReasonCode.PROTOCOL_ERROR;

// A QoS 0 publish on topic "t" with no payload; each case overrides what it tests.
function publish(fields: Partial<PublishPacket>): PublishPacket {
  return {
    type: PacketType.PUBLISH,
    dup: false,
    qos: 0,
    retain: false,
    topic: 't',
    packetId: 0,
    payload: Buffer.alloc(0),
    properties: EMPTY_PROPERTIES,
    ...fields,
  };
}

/** PUBLISH wire cases. */
export const publishCases: PacketCase[] = [
  {
    id: 'publish/v3/qos1',
    version: 3,
    bytes: hex`
      32 07        # PUBLISH qos 1, remaining 7
      00 01 74     # topic "t"
      00 01        # packet id 1
      68 69        # payload "hi"`,
    packet: publish({ qos: 1, packetId: 1, payload: Buffer.from('hi') }),
  },
  {
    id: 'publish/v3/qos0',
    version: 3,
    bytes: hex`30 03  00 01 74  # topic "t", empty payload`,
    packet: publish({}),
  },
  {
    id: 'publish/v4/qos0',
    version: 4,
    bytes: hex`
      30 0a              # PUBLISH qos 0, remaining 10
      00 03 61 2f 62     # topic "a/b"
      68 65 6c 6c 6f     # payload "hello" (no packet id at qos 0)`,
    packet: publish({ topic: 'a/b', payload: Buffer.from('hello') }),
    spec: ['MQTT-2.3.1-5'],
  },
  {
    id: 'publish/v4/qos1-retain',
    version: 4,
    bytes: hex`
      33 07        # PUBLISH qos 1 retain, remaining 7
      00 01 74     # topic "t"
      00 0a        # packet id 10
      68 69        # "hi"`,
    packet: publish({ qos: 1, retain: true, packetId: 10, payload: Buffer.from('hi') }),
  },
  {
    id: 'publish/v4/qos2-dup',
    version: 4,
    bytes: hex`
      3c 07        # PUBLISH dup qos 2, remaining 7
      00 01 74     # topic "t"
      ff ff        # packet id 65535
      68 69        # "hi"`,
    packet: publish({ dup: true, qos: 2, packetId: 65535, payload: Buffer.from('hi') }),
  },
  {
    id: 'publish/v4/utf8-topic-with-bom',
    version: 4,
    spec: ['MQTT-1.5.3-3'],
    bytes: hex`
      30 0d           # PUBLISH qos 0, remaining 13
      00 0b           # topic length 11
        ef bb bf      #   U+FEFF, kept as a character
        74 2f         #   "t/"
        c3 a9         #   U+00E9
        f0 9f 98 80   #   U+1F600 (four bytes)`,
    packet: publish({ topic: '\uFEFFt/\u00E9\u{1F600}', payload: Buffer.alloc(0) }),
  },
  {
    id: 'publish/v4/binary-payload-128',
    version: 4,
    bytes: Buffer.concat([hex`30 83 01  # remaining 131 (two-byte length)
      00 01 74`, Buffer.alloc(128, 0xa5)]),
    packet: publish({ payload: Buffer.alloc(128, 0xa5) }),
  },
  {
    id: 'publish/v5/qos0',
    version: 5,
    bytes: hex`
      30 05        # PUBLISH qos 0, remaining 5
      00 01 74     # topic "t"
      00           # properties: none
      78           # payload "x"`,
    packet: publish({ payload: Buffer.from('x'), properties: {} }),
  },
  {
    id: 'publish/v5/qos1-topic-alias',
    version: 5,
    spec: ['MQTT-3.3.2-8'],
    bytes: hex`
      32 0d            # PUBLISH qos 1, remaining 13
      00 03 61 2f 62   # topic "a/b"
      00 07            # packet id 7
      03 23 00 01      # props len 3: topic alias (0x23) = 1
      68 69            # payload "hi"`,
    packet: publish({ qos: 1, topic: 'a/b', packetId: 7, properties: { topicAlias: 1 }, payload: Buffer.from('hi') }),
  },
  {
    id: 'publish/v5/alias-only',
    version: 5,
    bytes: hex`
      31 06            # PUBLISH qos 0 retain, remaining 6
      00 00            # topic "" (the alias names it)
      03 23 00 0a      # topic alias 10`,
    packet: publish({ retain: true, topic: '', properties: { topicAlias: 10 } }),
  },
  {
    id: 'publish/v5/all-properties',
    version: 5,
    bytes: hex`
      34 2f                    # PUBLISH qos 2, remaining 47
      00 01 61                 # topic "a"
      00 01                    # packet id 1
      27                       # properties: 39 bytes
        01 01                  #   payload format indicator 1
        02 00 00 00 0a         #   message expiry interval 10
        03 00 01 74            #   content type "t"
        08 00 01 72            #   response topic "r"
        09 00 02 ab cd         #   correlation data ab cd
        0b 05                  #   subscription identifier 5
        0b 80 01               #   subscription identifier 128 (two-byte varint)
        26 00 01 6b 00 01 76   #   user property k=v
        26 00 01 6b 00 01 77   #   user property k=w (same name again: allowed)
      68 69                    # payload "hi"`,
    packet: publish({
      qos: 2,
      topic: 'a',
      packetId: 1,
      payload: Buffer.from('hi'),
      properties: {
        payloadFormatIndicator: 1,
        messageExpiryInterval: 10,
        contentType: 't',
        responseTopic: 'r',
        correlationData: Buffer.from([0xab, 0xcd]),
        subscriptionIdentifiers: [5, 128],
        userProperties: [
          ['k', 'v'],
          ['k', 'w'],
        ],
      },
    }),
  },
  {
    id: 'publish/v5/subscription-identifier-max',
    version: 5,
    bytes: hex`
      30 09 00 01 74
      05 0b ff ff ff 7f        # subscription identifier 268435455 (four-byte varint)
      `,
    packet: publish({ properties: { subscriptionIdentifiers: [268435455] } }),
  },

  // Flags.
  {
    id: 'publish/v4/qos-3',
    version: 4,
    bytes: hex`36 05 00 01 61 68 69  # both QoS bits set`,
    decodeError: { reason: MALFORMED, spec: 'MQTT-3.3.1-4' },
  },
  {
    id: 'publish/v5/qos-3',
    version: 5,
    bytes: hex`37 06 00 01 61 00 68 69  # both QoS bits set, retain`,
    decodeError: { reason: MALFORMED, spec: 'MQTT-3.3.1-4' },
  },
  {
    id: 'publish/v4/dup-on-qos0',
    version: 4,
    bytes: hex`38 05 00 01 61 68 69  # DUP with QoS 0`,
    decodeError: { reason: MALFORMED, spec: 'MQTT-3.3.1-2' },
  },
  {
    id: 'publish/v5/dup-on-qos0',
    version: 5,
    bytes: hex`38 04 00 01 61 00  # DUP with QoS 0`,
    decodeError: { reason: MALFORMED, spec: 'MQTT-3.3.1-2' },
  },

  // Packet identifier.
  {
    id: 'publish/v4/packet-id-0',
    version: 4,
    bytes: hex`32 05 00 01 61  00 00  # qos 1 with packet id 0`,
    decodeError: { reason: MALFORMED, spec: 'MQTT-2.3.1-1' },
  },
  {
    id: 'publish/v5/packet-id-0',
    version: 5,
    bytes: hex`34 06 00 01 61  00 00  00  # qos 2 with packet id 0`,
    decodeError: { reason: PROTOCOL, spec: 'MQTT-2.2.1-3' },
  },

  // Topic names.
  {
    id: 'publish/v4/topic-with-plus',
    version: 4,
    bytes: hex`30 05  00 03 61 2f 2b  # topic "a/+"`,
    decodeError: { reason: MALFORMED, spec: 'MQTT-3.3.2-2' },
  },
  {
    id: 'publish/v5/topic-with-hash',
    version: 5,
    bytes: hex`30 04  00 01 23  00  # topic "#"`,
    // It parses, so it is a Protocol Error (section 1.2), not 0x90, which is for a correctly formed name.
    decodeError: { reason: ReasonCode.PROTOCOL_ERROR, spec: 'MQTT-3.3.2-2' },
  },
  {
    id: 'publish/v4/empty-topic',
    version: 4,
    bytes: hex`30 02  00 00  # topic ""`,
    decodeError: { reason: MALFORMED, spec: 'MQTT-4.7.3-1' },
  },
  {
    id: 'publish/v5/empty-topic-without-alias',
    version: 5,
    bytes: hex`30 03  00 00  00  # topic "" and no topic alias`,
    decodeError: { reason: PROTOCOL, spec: 'MQTT-4.7.3-1' },
  },
  {
    id: 'publish/v4/topic-ill-formed-utf8',
    version: 4,
    bytes: hex`30 04  00 02 c3 28  # C3 then a non-continuation byte`,
    decodeError: { reason: MALFORMED, spec: 'MQTT-1.5.3-1' },
  },
  {
    id: 'publish/v5/topic-ill-formed-utf8',
    version: 5,
    bytes: hex`30 05  00 02 c0 af  00  # overlong encoding of "/"`,
    decodeError: { reason: MALFORMED, spec: 'MQTT-1.5.4-1' },
  },
  {
    id: 'publish/v4/topic-surrogate',
    version: 4,
    bytes: hex`30 05  00 03 ed a0 80  # encoded U+D800`,
    decodeError: { reason: MALFORMED, spec: 'MQTT-1.5.3-1' },
  },
  {
    id: 'publish/v5/topic-surrogate',
    version: 5,
    bytes: hex`30 06  00 03 ed bf bf  00  # encoded U+DFFF`,
    decodeError: { reason: MALFORMED, spec: 'MQTT-1.5.4-1' },
  },
  {
    id: 'publish/v4/topic-null-character',
    version: 4,
    bytes: hex`30 05  00 03 61 00 62  # "a", U+0000, "b"`,
    decodeError: { reason: MALFORMED, spec: 'MQTT-1.5.3-2' },
  },
  {
    id: 'publish/v5/topic-null-character',
    version: 5,
    bytes: hex`30 06  00 03 61 00 62  00  # "a", U+0000, "b"`,
    decodeError: { reason: MALFORMED, spec: 'MQTT-1.5.4-2' },
  },
  {
    id: 'publish/v5/content-type-ill-formed-utf8',
    version: 5,
    bytes: hex`30 09 00 01 74  05 03 00 02 e2 82  # content type: truncated 3-byte sequence`,
    decodeError: { reason: MALFORMED, spec: 'MQTT-1.5.4-1' },
  },

  // Properties.
  {
    id: 'publish/v5/property-not-allowed',
    version: 5,
    bytes: hex`30 09 00 01 74  05 11 00 00 00 01  # session expiry interval in PUBLISH`,
    decodeError: { reason: MALFORMED },
  },
  {
    id: 'publish/v5/unknown-property',
    version: 5,
    bytes: hex`30 06 00 01 74  02 7f 00  # property id 0x7f does not exist`,
    decodeError: { reason: MALFORMED },
  },
  {
    id: 'publish/v5/duplicate-property',
    version: 5,
    bytes: hex`
      30 0e 00 01 74
      0a 02 00 00 00 01 02 00 00 00 02   # message expiry interval twice`,
    decodeError: { reason: PROTOCOL },
  },
  {
    id: 'publish/v5/topic-alias-0',
    version: 5,
    bytes: hex`30 07 00 01 74  03 23 00 00  # topic alias 0`,
    decodeError: { reason: ReasonCode.TOPIC_ALIAS_INVALID, spec: 'MQTT-3.3.2-8' },
  },
  {
    id: 'publish/v5/payload-format-indicator-2',
    version: 5,
    bytes: hex`30 06 00 01 74  02 01 02  # payload format indicator 2 (only 0 and 1 exist)`,
    decodeError: { reason: PROTOCOL },
  },
  {
    id: 'publish/v5/property-length-overrun',
    version: 5,
    bytes: hex`30 05 00 01 74  05 01  # property length 5, one byte left`,
    decodeError: { reason: MALFORMED },
  },

  // Framing.
  {
    id: 'publish/v4/remaining-length-shorter-than-content',
    version: 4,
    bytes: hex`32 03 00 01 61  # qos 1: packet id missing`,
    decodeError: { reason: MALFORMED },
  },
  {
    id: 'publish/v4/topic-length-overrun',
    version: 4,
    bytes: hex`30 03 00 05 61  # topic length 5, one byte left`,
    decodeError: { reason: MALFORMED },
  },
  {
    id: 'publish/v4/at-maximum-packet-size',
    version: 4,
    maxPacketSize: 12,
    bytes: hex`30 0a 00 03 61 2f 62 68 65 6c 6c 6f  # 12 bytes in all: allowed`,
    packet: publish({ topic: 'a/b', payload: Buffer.from('hello') }),
  },
  {
    id: 'publish/v4/exceeds-maximum-packet-size',
    version: 4,
    maxPacketSize: 11,
    bytes: hex`30 0a 00 03 61 2f 62 68 65 6c 6c 6f  # 12 bytes in all, limit 11`,
    decodeError: { reason: ReasonCode.PACKET_TOO_LARGE },
  },
  {
    id: 'publish/v5/exceeds-maximum-packet-size',
    version: 5,
    maxPacketSize: 16,
    bytes: Buffer.concat([hex`30 0f 00 01 74 00  # 17 bytes in all, limit 16`, Buffer.alloc(11, 0x78)]),
    decodeError: { reason: ReasonCode.PACKET_TOO_LARGE },
  },
  {
    id: 'publish/v3/qos-3',
    version: 3,
    bytes: hex`36 05 00 01 61 68 69  # both QoS bits set`,
    decodeError: { reason: MALFORMED, spec: 'MQTT-3.3.1-4' },
  },
  {
    id: 'publish/v3/topic-with-hash',
    version: 3,
    bytes: hex`30 05  00 03 61 2f 23  # topic "a/#"`,
    decodeError: { reason: MALFORMED, spec: 'MQTT-3.3.2-2' },
  },
];
