// Docs drift: every swiftlet_* metric is described in docs/http.md and every API route is in docs/http-api.yaml.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { DEFAULT_HTTP_PORT } from '../../src/config/config-types.js';
import { startHttp } from './support.js';

const root = new URL('../../', import.meta.url);

test('every swiftlet_* metric served appears in docs/http.md', async () => {
  const doc = readFileSync(new URL('docs/http.md', root), 'utf8');
  const f = await startHttp();
  try {
    const text = await (await f.call('/metrics')).text();
    const names = new Set([...text.matchAll(/^# TYPE (swiftlet_\w+) /gm)].map((m) => m[1]!));
    assert.ok(names.size >= 20, `only ${names.size} swiftlet metrics`);
    for (const name of names) assert.ok(doc.includes(`\`${name}\``), `${name} is not documented in docs/http.md`);
  } finally {
    await f.stop();
  }
});

test('docs/http-api.yaml is OpenAPI 3 and lists every route with its methods', () => {
  const spec = parse(readFileSync(new URL('docs/http-api.yaml', root), 'utf8')) as { openapi: string; paths: Record<string, Record<string, unknown>> };
  assert.match(spec.openapi, /^3\./);
  const expected: Record<string, string[]> = {
    '/': ['get'],
    '/dashboard/{file}': ['get'],
    '/api/v1/token': ['get'],
    '/api/v1/events': ['get'],
    '/healthz': ['get'],
    '/readyz': ['get'],
    '/metrics': ['get'],
    '/api/v1/clients': ['get'],
    '/api/v1/clients/{id}': ['get', 'delete'],
    '/api/v1/clients/{id}/disconnect': ['post'],
    '/api/v1/subscriptions': ['get'],
    '/api/v1/retained': ['get'],
    '/api/v1/retained/{topic}': ['get', 'delete'],
    '/api/v1/publish': ['post'],
    '/api/v1/info': ['get'],
    '/api/v1/stats': ['get'],
    '/api/v1/bridges': ['get'],
    '/api/v1/bridges/{name}': ['get'],
  };
  assert.deepEqual(Object.keys(spec.paths).sort(), Object.keys(expected).sort());
  for (const [path, methods] of Object.entries(expected)) {
    const documented = Object.keys(spec.paths[path]!).filter((k) => k !== 'parameters');
    assert.deepEqual(documented.sort(), [...methods].sort(), path);
  }
});

test('metric names follow the Prometheus conventions: counters and only counters end in _total, units in names, no clashing families', async () => {
  const f = await startHttp();
  try {
    const text = await (await f.call('/metrics')).text();
    const types = new Map([...text.matchAll(/^# TYPE (swiftlet_\w+) (\w+)$/gm)].map((m) => [m[1]!, m[2]!]));
    const helps = new Map([...text.matchAll(/^# HELP (swiftlet_\w+) (.*)$/gm)].map((m) => [m[1]!, m[2]!]));
    for (const [name, type] of types) {
      assert.match(name, /^swiftlet_[a-z0-9_]+$/, name);
      if (type === 'counter') assert.ok(name.endsWith('_total'), `counter ${name} ends in _total`);
      else assert.ok(!name.endsWith('_total'), `${type} ${name} must not end in _total`);
      const help = helps.get(name) ?? '';
      if (/\bbytes\b/i.test(help) && !/messages/i.test(name)) assert.ok(name.includes('_bytes'), `${name} counts bytes: the unit belongs in the name`);
      if (/\bseconds?\b/i.test(help)) assert.ok(name.includes('_seconds'), `${name} is in seconds: the unit belongs in the name`);
    }
    // OpenMetrics names a counter's family without _total: it must not collide with another metric.
    const families = [...types.keys()].map((n) => (types.get(n) === 'counter' ? n.slice(0, -'_total'.length) : n));
    assert.equal(new Set(families).size, families.length, `clashing families: ${families.join(', ')}`);
  } finally {
    await f.stop();
  }
});

test('docs/http-api.yaml is a valid OpenAPI document (@seriousme/openapi-schema-validator) on the default HTTP port', async () => {
  const { Validator } = await import('@seriousme/openapi-schema-validator');
  const result = await new Validator().validate(fileURLToPath(new URL('docs/http-api.yaml', root)));
  assert.deepEqual(result.errors ?? [], []);
  assert.equal(result.valid, true);
  const spec = parse(readFileSync(new URL('docs/http-api.yaml', root), 'utf8')) as { servers: { url: string }[] };
  assert.deepEqual(spec.servers.map((s) => s.url), [`http://127.0.0.1:${DEFAULT_HTTP_PORT}`]);
});
