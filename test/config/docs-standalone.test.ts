// The documentation a user of the package reads stands alone: no paths outside the package or planning words, links
// that resolve, and the same default ports everywhere as the code.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { test } from 'node:test';
import { DEFAULT_HTTP_PORT, DEFAULT_PORTS } from '../../src/config/config-types.js';
import { ROOT } from '../helpers/cli-process.js';

const DOCS = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md') || f.endsWith('.yaml'))
    .map((f) => `docs/${f}`),
  ...readdirSync(join(ROOT, 'examples')).map((f) => `examples/${f}`),
];
const text = (file: string): string => readFileSync(join(ROOT, file), 'utf8');
const packageExports = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { exports: Record<string, unknown> }).exports;

test('no paths outside the package and no planning words', () => {
  const forbidden = [/\.\.\/shared\//, /\/work\//, /product bar/i, /\bseed brokers?\b/i, /\bthe bar\b/i, /\bbar's\b/i];
  for (const file of DOCS) {
    for (const pattern of forbidden) assert.doesNotMatch(text(file), pattern, `${file} contains ${pattern}`);
  }
});

test('relative links in the docs point at files that exist', () => {
  for (const file of DOCS.filter((f) => f.endsWith('.md'))) {
    for (const m of text(file).matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = m[1]!.split('#')[0]!;
      if (target === '' || /^[a-z]+:/.test(target)) continue;
      assert.ok(existsSync(resolve(ROOT, dirname(file), target)), `${file} links to missing ${target}`);
    }
  }
});

test('default ports agree with the code everywhere they are written', () => {
  const listenerDefaults = `tcp ${DEFAULT_PORTS.tcp}, tls ${DEFAULT_PORTS.tls}, ws ${DEFAULT_PORTS.ws}, wss ${DEFAULT_PORTS.wss}`;
  assert.ok(text('docs/configuration.md').includes(listenerDefaults), 'configuration.md lists the listener defaults');
  assert.ok(text('docs/configuration.md').includes(`| \`port\` | ${DEFAULT_HTTP_PORT} |`), 'configuration.md lists the HTTP default');
  assert.ok(text('examples/swiftlet.yaml').includes(`(tls ${DEFAULT_PORTS.tls}, ws ${DEFAULT_PORTS.ws}, wss ${DEFAULT_PORTS.wss})`));
  for (const file of DOCS) {
    const t = text(file);
    // WebSocket listeners in examples use the ws default, HTTP servers the HTTP default.
    for (const m of t.matchAll(/WebSocketListener\(\{[^}]*port: (\d+)/g)) assert.equal(Number(m[1]), DEFAULT_PORTS.ws, file);
    for (const m of t.matchAll(/new HttpServer\([^)]*port: (\d+)/g)) assert.equal(Number(m[1]), DEFAULT_HTTP_PORT, file);
    for (const m of t.matchAll(/url: http:\/\/127\.0\.0\.1:(\d+)/g)) assert.equal(Number(m[1]), DEFAULT_HTTP_PORT, file);
    for (const m of t.matchAll(/HTTP listening on 127\.0\.0\.1:(\d+)/g)) assert.equal(Number(m[1]), DEFAULT_HTTP_PORT, file);
    assert.ok(!/\b8083\b/.test(t), `${file} names port 8083, which no default uses`);
  }
});

test('code examples import the package by its name', () => {
  for (const file of DOCS) {
    for (const m of text(file).matchAll(/from '([^']+)'/g)) {
      const spec = m[1]!;
      if (spec.startsWith('node:') || spec === 'mqtt' || spec === 'swiftlet-mqtt') continue;
      // A subpath the package exports (package.json "exports"), e.g. swiftlet-mqtt/persistence-contract.
      if (spec.startsWith('swiftlet-mqtt/') && Object.hasOwn(packageExports, `.${spec.slice('swiftlet-mqtt'.length)}`)) continue;
      assert.fail(`${file} imports ${spec}; examples import from 'swiftlet-mqtt' (or a subpath it exports)`);
    }
  }
});
