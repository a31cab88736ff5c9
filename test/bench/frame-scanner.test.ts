import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FrameError, FrameScanner } from '../../src/bench/frame-scanner.js';
import { encodeBenchPublish, writeAck, Byte1 } from '../../src/bench/packets.js';

function collect(): { frames: string[]; scanner: FrameScanner } {
  const frames: string[] = [];
  const scanner = new FrameScanner((b, buf, s, e) => frames.push(`${b.toString(16)}:${buf.subarray(s, e).toString('hex')}`));
  return { frames, scanner };
}

test('frames are found across every split of the stream', () => {
  const ack = Buffer.alloc(4);
  writeAck(ack, 0, Byte1.PUBACK, 0x1234);
  const big = encodeBenchPublish(4, 'a/b', 1, false, 300).bytes; // two-byte remaining length
  const stream = Buffer.concat([ack, big, ack]);
  const whole = collect();
  whole.scanner.push(stream);
  assert.equal(whole.frames.length, 3);
  assert.equal(whole.frames[0], '40:1234');
  for (let cut = 1; cut < stream.length; cut++) {
    const c = collect();
    c.scanner.push(stream.subarray(0, cut));
    c.scanner.push(stream.subarray(cut));
    assert.deepEqual(c.frames, whole.frames, `split at ${cut}`);
  }
});

test('a remaining length longer than four bytes is an error', () => {
  const { scanner } = collect();
  assert.throws(() => scanner.push(Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01])), FrameError);
});
