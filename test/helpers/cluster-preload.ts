// Loaded with `--import` by `npm run test:cluster`: turns cluster mode on (cluster-mode.ts) and skips, with their
// reason, the few tests that cannot hold across two nodes by design (CLUSTER_EXCLUSIONS below, the only such list).
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { basename } from 'node:path';

process.env.SWIFTLET_TEST_CLUSTER = '1';

/** Test file name → test name → why it cannot hold on a 2-node cluster. */
export const CLUSTER_EXCLUSIONS: Readonly<Record<string, Readonly<Record<string, string>>>> = {};

type TestFn = (name?: unknown, ...rest: unknown[]) => unknown;

const file = basename(process.argv[1] ?? '');
const excluded = CLUSTER_EXCLUSIONS[file] ?? {};
const require = createRequire(import.meta.url);
const nodeTest = require('node:test') as Record<'test' | 'it', TestFn>;

// node:test's named exports are re-read from its CommonJS object by syncBuiltinESMExports(): the test files import
// { test } / { it } after this module ran and get these wrappers.
function skipping(original: TestFn): TestFn {
  const wrapped = function (this: unknown, name?: unknown, ...rest: unknown[]): unknown {
    const reason = typeof name === 'string' ? excluded[name] : undefined;
    if (reason === undefined) return original.call(this, name, ...rest);
    const fn = rest.find((r) => typeof r === 'function');
    return original.call(this, name, { skip: `not on a 2-node cluster: ${reason}` }, fn ?? (() => undefined));
  };
  return Object.assign(wrapped, original);
}

nodeTest.test = skipping(nodeTest.test);
nodeTest.it = skipping(nodeTest.it);
syncBuiltinESMExports();
