// CONNECT cases for 3.1 (MQIsdp, level 3), 3.1.1 (level 4) and 5.0, valid and malformed.
import { ReasonCode } from '../../src/codec/reason-codes.js';
import { EMPTY_PROPERTIES, PacketType } from '../../src/codec/types.js';
import type { ConnectPacket } from '../../src/codec/types.js';
import { hex } from './hex.js';
import type { PacketCase } from './types.js';

const MALFORMED = ReasonCode.MALFORMED_PACKET;
const PROTOCOL = ReasonCode.PROTOCOL_ERROR;

// Fields shared by the simple cases; each case overrides what it tests.
function connect(fields: Partial<ConnectPacket>): ConnectPacket {
  return {
    type: PacketType.CONNECT,
    protocolName: 'MQTT',
    protocolVersion: 4,
    clean: true,
    keepAlive: 60,
    clientId: 'a',
    username: undefined,
    password: undefined,
    will: undefined,
    properties: EMPTY_PROPERTIES,
    ...fields,
  };
}

/** CONNECT wire cases. */
export const connectCases: PacketCase[] = [
  {
    id: 'connect/v3/minimal',
    version: 3,
    bytes: hex`
      10 0f                     # CONNECT, remaining 15
      00 06 4d 51 49 73 64 70   # protocol name "MQIsdp"
      03                        # level 3 (MQTT 3.1)
      02                        # flags: clean session
      00 3c                     # keep alive 60
      00 01 61                  # client id "a"`,
    packet: connect({ protocolName: 'MQIsdp', protocolVersion: 3 }),
  },
  {
    id: 'connect/v3/credentials',
    version: 3,
    bytes: hex`
      10 15                     # CONNECT, remaining 21
      00 06 4d 51 49 73 64 70   # "MQIsdp"
      03                        # level 3
      c2                        # flags: user name, password, clean
      00 3c                     # keep alive 60
      00 01 61                  # client id "a"
      00 01 75                  # user name "u"
      00 01 70                  # password "p"`,
    packet: connect({ protocolName: 'MQIsdp', protocolVersion: 3, username: 'u', password: Buffer.from('p') }),
  },
  {
    id: 'connect/v4/minimal',
    version: 4,
    bytes: hex`
      10 0d                     # CONNECT, remaining 13
      00 04 4d 51 54 54         # "MQTT"
      04                        # level 4 (3.1.1)
      02                        # flags: clean session
      00 3c                     # keep alive 60
      00 01 61                  # client id "a"`,
    packet: connect({}),
  },
  {
    id: 'connect/v4/empty-client-id',
    version: 4,
    bytes: hex`
      10 0c 00 04 4d 51 54 54 04
      02                        # clean session (required by 3.1.1 for an empty id, a broker rule)
      00 00                     # keep alive 0
      00 00                     # client id ""`,
    packet: connect({ keepAlive: 0, clientId: '' }),
  },
  {
    id: 'connect/v4/full',
    version: 4,
    bytes: hex`
      10 20                     # CONNECT, remaining 32
      00 04 4d 51 54 54 04      # "MQTT" level 4
      ee                        # flags: user, password, will retain, will qos 1, will, clean
      00 0a                     # keep alive 10
      00 03 63 69 64            # client id "cid"
      00 03 77 2f 74            # will topic "w/t"
      00 03 62 79 65            # will payload "bye"
      00 01 75                  # user name "u"
      00 02 70 77               # password "pw"`,
    packet: connect({
      clean: true,
      keepAlive: 10,
      clientId: 'cid',
      username: 'u',
      password: Buffer.from('pw'),
      will: { topic: 'w/t', payload: Buffer.from('bye'), qos: 1, retain: true, properties: EMPTY_PROPERTIES },
    }),
  },
  {
    id: 'connect/v4/persistent-session-binary-password',
    version: 4,
    bytes: hex`
      10 14 00 04 4d 51 54 54 04
      c0                        # flags: user, password; clean session 0
      ff ff                     # keep alive 65535
      00 01 61                  # client id "a"
      00 00                     # user name ""
      00 03 00 ff 80            # password: any bytes, not UTF-8`,
    packet: connect({ clean: false, keepAlive: 65535, username: '', password: Buffer.from([0x00, 0xff, 0x80]) }),
  },
  {
    id: 'connect/v5/minimal',
    version: 5,
    bytes: hex`
      10 0e                     # CONNECT, remaining 14
      00 04 4d 51 54 54 05      # "MQTT" level 5
      02                        # flags: clean start
      00 3c                     # keep alive 60
      00                        # properties: none
      00 01 61                  # client id "a"`,
    packet: connect({ protocolVersion: 5, properties: {} }),
  },
  {
    // 5.0 section 3.1.2.9 allows a password without a user name (3.1.1 forbids it: [MQTT-3.1.2-22]).
    id: 'connect/v5/password-without-user-name',
    version: 5,
    bytes: hex`
      10 11 00 04 4d 51 54 54 05
      42                        # flags: password only (allowed in 5.0), clean
      00 3c 00
      00 01 61                  # client id "a"
      00 01 70                  # password "p"`,
    packet: connect({ protocolVersion: 5, password: Buffer.from('p'), properties: {} }),
  },
  {
    id: 'connect/v5/full',
    version: 5,
    bytes: hex`
      10 5e                     # CONNECT, remaining 94
      00 04 4d 51 54 54 05      # "MQTT" level 5
      d6                        # flags: user, password, will qos 2, will, clean
      00 3c                     # keep alive 60
      24                        # properties: 36 bytes
        11 00 00 00 78          #   session expiry interval 120
        15 00 01 6d             #   authentication method "m"
        16 00 02 01 02          #   authentication data 01 02
        17 00                   #   request problem information 0
        19 01                   #   request response information 1
        21 00 14                #   receive maximum 20
        22 00 0a                #   topic alias maximum 10
        26 00 01 6b 00 01 76    #   user property k=v
        27 00 00 04 00          #   maximum packet size 1024
      00 01 63                  # client id "c"
      1f                        # will properties: 31 bytes
        01 01                   #   payload format indicator 1 (UTF-8)
        02 00 00 00 3c          #   message expiry interval 60
        03 00 01 74             #   content type "t"
        08 00 01 72             #   response topic "r"
        09 00 01 01             #   correlation data 01
        18 00 00 00 05          #   will delay interval 5
        26 00 01 61 00 01 62    #   user property a=b
      00 01 77                  # will topic "w"
      00 01 78                  # will payload "x"
      00 01 75                  # user name "u"
      00 01 70                  # password "p"`,
    packet: connect({
      protocolVersion: 5,
      clientId: 'c',
      username: 'u',
      password: Buffer.from('p'),
      will: {
        topic: 'w',
        payload: Buffer.from('x'),
        qos: 2,
        retain: false,
        properties: {
          payloadFormatIndicator: 1,
          messageExpiryInterval: 60,
          contentType: 't',
          responseTopic: 'r',
          correlationData: Buffer.from([1]),
          willDelayInterval: 5,
          userProperties: [['a', 'b']],
        },
      },
      properties: {
        sessionExpiryInterval: 120,
        authenticationMethod: 'm',
        authenticationData: Buffer.from([1, 2]),
        requestProblemInformation: 0,
        requestResponseInformation: 1,
        receiveMaximum: 20,
        topicAliasMaximum: 10,
        userProperties: [['k', 'v']],
        maximumPacketSize: 1024,
      },
    }),
  },

  // Malformed: connect flags.
  {
    id: 'connect/v4/reserved-flag',
    version: 4,
    bytes: hex`10 0d 00 04 4d 51 54 54 04  03  # reserved bit 0 set
      00 3c 00 01 61`,
    decodeError: { reason: MALFORMED, spec: 'MQTT-3.1.2-3' },
  },
  {
    id: 'connect/v5/reserved-flag',
    version: 5,
    bytes: hex`10 0e 00 04 4d 51 54 54 05  03  # reserved bit 0 set
      00 3c 00 00 01 61`,
    decodeError: { reason: MALFORMED, spec: 'MQTT-3.1.2-3' },
  },
  {
    id: 'connect/v4/fixed-header-flags',
    version: 4,
    bytes: hex`11  # CONNECT with flag bit 0 set
      0d 00 04 4d 51 54 54 04 02 00 3c 00 01 61`,
    decodeError: { reason: MALFORMED, spec: 'MQTT-2.2.2-1' },
  },
  {
    id: 'connect/v5/fixed-header-flags',
    version: 5,
    bytes: hex`18  # CONNECT with flag bit 3 set
      0e 00 04 4d 51 54 54 05 02 00 3c 00 00 01 61`,
    decodeError: { reason: MALFORMED, spec: 'MQTT-2.1.3-1' },
  },
  {
    id: 'connect/v4/will-qos-without-will-flag',
    version: 4,
    bytes: hex`10 0d 00 04 4d 51 54 54 04  0a  # will qos 1, no will flag
      00 3c 00 01 61`,
    decodeError: { reason: MALFORMED, spec: 'MQTT-3.1.2-13' },
    spec: ['MQTT-3.1.2-11'],
  },
  {
    id: 'connect/v5/will-qos-without-will-flag',
    version: 5,
    bytes: hex`10 0e 00 04 4d 51 54 54 05  12  # will qos 2, no will flag
      00 3c 00 00 01 61`,
    decodeError: { reason: MALFORMED, spec: 'MQTT-3.1.2-11' },
  },
  {
    id: 'connect/v4/will-retain-without-will-flag',
    version: 4,
    bytes: hex`10 0d 00 04 4d 51 54 54 04  22  # will retain, no will flag
      00 3c 00 01 61`,
    decodeError: { reason: MALFORMED, spec: 'MQTT-3.1.2-15' },
  },
  {
    id: 'connect/v5/will-retain-without-will-flag',
    version: 5,
    bytes: hex`10 0e 00 04 4d 51 54 54 05  22  # will retain, no will flag
      00 3c 00 00 01 61`,
    decodeError: { reason: MALFORMED, spec: 'MQTT-3.1.2-13' },
  },
  {
    id: 'connect/v4/will-qos-3',
    version: 4,
    bytes: hex`
      10 13 00 04 4d 51 54 54 04
      1e                        # will qos 3, will flag, clean
      00 3c 00 01 61
      00 01 77                  # will topic "w"
      00 01 78                  # will payload "x"`,
    decodeError: { reason: MALFORMED, spec: 'MQTT-3.1.2-14' },
  },
  {
    id: 'connect/v5/will-qos-3',
    version: 5,
    bytes: hex`
      10 15 00 04 4d 51 54 54 05
      1e                        # will qos 3, will flag, clean
      00 3c 00 00 01 61
      00                        # will properties: none
      00 01 77 00 01 78`,
    decodeError: { reason: MALFORMED, spec: 'MQTT-3.1.2-12' },
  },
  {
    id: 'connect/v4/password-without-user-name',
    version: 4,
    bytes: hex`
      10 10 00 04 4d 51 54 54 04
      42                        # password flag without user name flag
      00 3c 00 01 61
      00 01 70                  # password "p"`,
    decodeError: { reason: MALFORMED, spec: 'MQTT-3.1.2-22' },
  },

  // Protocol name and level.
  {
    // 3.1.1: a name other than "MQTT" is a protocol violation; the broker closes without CONNACK (0x81 under 3.x).
    id: 'connect/v4/unknown-protocol-name',
    version: 4,
    bytes: hex`10 0d  00 04 4d 51 54 58  # "MQTX"
      04 02 00 3c 00 01 61`,
    decodeError: { reason: MALFORMED, spec: 'MQTT-3.1.2-1' },
  },
  {
    // 5.0: the same name may be answered with CONNACK 0x84 before the close.
    id: 'connect/v5/unknown-protocol-name',
    version: 5,
    bytes: hex`10 0e  00 04 4d 51 54 58  # "MQTX"
      05 02 00 3c 00 00 01 61`,
    decodeError: { reason: ReasonCode.UNSUPPORTED_PROTOCOL_VERSION, spec: 'MQTT-3.1.2-1' },
  },
  {
    id: 'connect/v5/unknown-protocol-level',
    version: 5,
    bytes: hex`10 0e 00 04 4d 51 54 54  06  # level 6
      02 00 3c 00 00 01 61`,
    decodeError: { reason: ReasonCode.UNSUPPORTED_PROTOCOL_VERSION, spec: 'MQTT-3.1.2-2' },
  },
  {
    id: 'connect/v4/unknown-protocol-level',
    version: 4,
    bytes: hex`10 0d 00 04 4d 51 54 54  02  # level 2
      02 00 3c 00 01 61`,
    decodeError: { reason: ReasonCode.UNSUPPORTED_PROTOCOL_VERSION, spec: 'MQTT-3.1.2-2' },
  },

  // Strings.
  {
    id: 'connect/v4/client-id-ill-formed-utf8',
    version: 4,
    bytes: hex`10 0e 00 04 4d 51 54 54 04 02 00 3c  00 02 c3 28  # C3 needs a continuation byte`,
    decodeError: { reason: MALFORMED, spec: 'MQTT-1.5.3-1' },
  },
  {
    id: 'connect/v5/user-name-null-character',
    version: 5,
    bytes: hex`
      10 12 00 04 4d 51 54 54 05
      82 00 3c 00               # flags: user name, clean
      00 01 61
      00 02 61 00               # user name "a\\0"`,
    decodeError: { reason: MALFORMED, spec: 'MQTT-1.5.4-2' },
  },

  // Properties.
  {
    id: 'connect/v5/property-not-allowed',
    version: 5,
    bytes: hex`10 11 00 04 4d 51 54 54 05 02 00 3c  03 23 00 01  # topic alias in CONNECT
      00 01 61`,
    decodeError: { reason: MALFORMED },
  },
  {
    id: 'connect/v5/duplicate-property',
    version: 5,
    bytes: hex`
      10 18 00 04 4d 51 54 54 05 02 00 3c
      0a 11 00 00 00 01 11 00 00 00 02   # session expiry interval twice
      00 01 61`,
    decodeError: { reason: PROTOCOL },
  },
  {
    id: 'connect/v5/receive-maximum-0',
    version: 5,
    bytes: hex`10 11 00 04 4d 51 54 54 05 02 00 3c  03 21 00 00  # receive maximum 0
      00 01 61`,
    decodeError: { reason: PROTOCOL },
  },
  {
    id: 'connect/v5/maximum-packet-size-0',
    version: 5,
    bytes: hex`10 13 00 04 4d 51 54 54 05 02 00 3c  05 27 00 00 00 00  # maximum packet size 0
      00 01 61`,
    decodeError: { reason: PROTOCOL },
  },
  {
    id: 'connect/v5/will-property-not-allowed',
    version: 5,
    bytes: hex`
      10 18 00 04 4d 51 54 54 05
      06 00 3c 00               # flags: will qos 0, will, clean
      00 01 61
      03 23 00 01               # will properties: topic alias (not a will property)
      00 01 77 00 01 78`,
    decodeError: { reason: MALFORMED },
  },

  // 3.1 (MQIsdp, level 3).
  {
    // 3.1 marks connect flag bit 0 unused without requiring 0 (the 3.1.1 rule [MQTT-3.1.2-3] is newer): accepted.
    id: 'connect/v3/reserved-flag',
    version: 3,
    direction: 'decode',
    bytes: hex`
      10 0f 00 06 4d 51 49 73 64 70 03
      03                        # clean session and bit 0 set
      00 3c 00 01 61`,
    packet: connect({ protocolName: 'MQIsdp', protocolVersion: 3 }),
  },
  {
    // 3.1 has DUP, QoS and RETAIN bits in every fixed header and does not use them in CONNECT: accepted.
    id: 'connect/v3/fixed-header-flags',
    version: 3,
    direction: 'decode',
    bytes: hex`
      1f                        # CONNECT with DUP, QoS 3 and RETAIN bits set
      0f 00 06 4d 51 49 73 64 70 03 02 00 3c 00 01 61`,
    packet: connect({ protocolName: 'MQIsdp', protocolVersion: 3 }),
  },
  {
    id: 'connect/v3/name-level-mismatch',
    version: 3,
    bytes: hex`
      10 0d
      00 04 4d 51 54 54         # "MQTT" ...
      03                        # ... with level 3, which it does not have
      02 00 3c 00 01 61`,
    decodeError: { reason: ReasonCode.UNSUPPORTED_PROTOCOL_VERSION, spec: 'MQTT-3.1.2-2' },
  },
  {
    id: 'connect/v3/unknown-protocol-name',
    version: 3,
    bytes: hex`
      10 0f
      00 06 4d 51 49 73 64 71   # "MQIsdq": neither 3.1's nor 3.1.1's name
      03 02 00 3c 00 01 61`,
    decodeError: { reason: MALFORMED, spec: 'MQTT-3.1.2-1' },
  },
  {
    // Level 4 is 3.1.1, whose protocol name is "MQTT" only: closed without CONNACK.
    id: 'connect/v4/name-level-mismatch',
    version: 4,
    bytes: hex`
      10 0f
      00 06 4d 51 49 73 64 70   # "MQIsdp" ...
      04                        # ... with level 4
      02 00 3c 00 01 61`,
    decodeError: { reason: MALFORMED, spec: 'MQTT-3.1.2-1' },
  },
];
