// Docs drift: every swiftlet_* metric is described in docs/http.md and every API route is in docs/http-api.yaml.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
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
