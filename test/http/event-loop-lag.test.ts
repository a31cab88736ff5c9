// EventLoopLag: lag is measured from when a timer was due, so an idle loop is near 0 and a blocked one shows the block.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EventLoopLag } from '../../src/http/event-loop-lag.js';

test('a blocked loop shows as lag; reading starts a new window; no samples reads as zeros', async () => {
  const lag = new EventLoopLag(10);
  assert.deepEqual(lag.takeStats(), { mean: 0, p50: 0, p99: 0, max: 0, count: 0 });
  lag.start();
  try {
    await new Promise((r) => setTimeout(r, 30));
    const until = Date.now() + 120;
    while (Date.now() < until) {
      // block
    }
    await new Promise((r) => setTimeout(r, 30));
    const stats = lag.takeStats();
    assert.ok(stats.count >= 2);
    assert.ok(stats.max >= 0.08, `max ${stats.max}`);
    assert.ok(stats.p50 <= stats.p99 && stats.p99 <= stats.max);
    // The idle samples around the block are not counted as the 10 ms interval: the median is below the block.
    assert.ok(stats.p50 < stats.max);
    assert.equal(lag.takeStats().count, 0, 'a read empties the window');
  } finally {
    lag.stop();
  }
});
