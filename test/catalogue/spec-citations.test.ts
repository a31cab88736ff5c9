// Every [MQTT-x.y.z-n] cited in code, tests and docs names a real normative statement of 3.1.1 or 5.0.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const specIds = JSON.parse(readFileSync(join(root, 'test/spec-ids.json'), 'utf8')) as Record<'5.0' | '3.1.1', string[]>;

function* files(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* files(path);
    else if (/\.(ts|md)$/.test(entry.name)) yield path;
  }
}

test('the id list has every statement: 251 of 5.0, 141 of 3.1.1', () => {
  assert.equal(new Set(specIds['5.0']).size, 251);
  assert.equal(new Set(specIds['3.1.1']).size, 141);
});

test('every cited spec id in src/, test/ and docs/ exists in 5.0 or 3.1.1', () => {
  const known = new Set([...specIds['5.0'], ...specIds['3.1.1']]);
  const unknown: string[] = [];
  let cited = 0;
  for (const folder of ['src', 'test', 'docs']) {
    for (const file of files(join(root, folder))) {
      for (const m of readFileSync(file, 'utf8').matchAll(/MQTT-\d+\.\d+\.\d+-\d+/g)) {
        cited++;
        if (!known.has(m[0])) unknown.push(`${file.slice(root.length)}: ${m[0]}`);
      }
    }
  }
  assert.ok(cited > 500, `only ${cited} citations found: is the scan reading the tree?`);
  assert.deepEqual(unknown, []);
});
