// Docs drift: HOOK_EVENTS lists exactly the Hook keys, and every one is documented in docs/hooks.md.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { HOOK_EVENTS, NOTIFY_EVENTS } from '../../src/hooks/hook.js';
import type { Hook } from '../../src/hooks/hook.js';

// Type-level check: compiling fails if HOOK_EVENTS misses a Hook key or names one that does not exist.
type Listed = (typeof HOOK_EVENTS)[number];
type Keys = Exclude<keyof Hook, 'id'>;
type Exact<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const listsExactlyTheHookKeys: Exact<Listed, Keys> = true;

test('HOOK_EVENTS has no duplicates and includes every notify event', () => {
  assert.equal(listsExactlyTheHookKeys, true);
  assert.equal(new Set(HOOK_EVENTS).size, HOOK_EVENTS.length);
  for (const event of NOTIFY_EVENTS) assert.ok((HOOK_EVENTS as readonly string[]).includes(event), event);
});

test('every Hook key appears in docs/hooks.md', () => {
  const doc = readFileSync(new URL('../../docs/hooks.md', import.meta.url), 'utf8');
  const missing = HOOK_EVENTS.filter((event) => !doc.includes(`\`${event}\``));
  assert.deepEqual(missing, []);
});
