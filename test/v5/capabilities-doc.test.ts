// docs/capabilities.md must list every capability and compatibility with its real default.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { DEFAULT_CAPABILITIES, DEFAULT_COMPATIBILITIES } from '../../src/index.js';

const doc = readFileSync(new URL('../../docs/capabilities.md', import.meta.url), 'utf8');

/** The documented default of `key`: the second cell of its table row. */
function documentedDefault(key: string): string | undefined {
  const row = doc.split('\n').find((line) => line.startsWith(`| \`${key}\` |`));
  return row?.split('|')[2]?.trim().replaceAll('`', '');
}

test('every capability is documented with its default', () => {
  for (const [key, value] of Object.entries(DEFAULT_CAPABILITIES)) {
    assert.equal(documentedDefault(key), String(value), `capabilities.${key}`);
  }
});

test('every compatibility is documented with its default', () => {
  for (const [key, value] of Object.entries(DEFAULT_COMPATIBILITIES)) {
    assert.equal(documentedDefault(key), String(value), `compatibilities.${key}`);
  }
});
