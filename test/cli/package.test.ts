// The published package as a user gets it: `npm pack` (prepack builds dist/), install the tarball in an empty folder,
// run the installed `swiftlet` command, and load the library with import and require().
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { collect, connectClient, endClient, waitFor } from '../helpers/broker.js';

const exec = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');
const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string; bin: Record<string, string>; files: string[] };
const dir = mkdtempSync(join(tmpdir(), 'swiftlet-pack-'));
const app = join(dir, 'app');
after(() => rmSync(dir, { recursive: true, force: true }));

/** The environment without the developer's SWIFTLET_* variables or npm's script variables. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('SWIFTLET_') && !k.startsWith('npm_')) env[k] = v;
  return env;
}

describe('the packed package', { timeout: 240_000 }, () => {
  let tarball = '';
  let files: string[] = [];

  before(async () => {
    // --json lists the packed files; prepack runs the build first.
    const { stdout } = await exec('npm', ['pack', '--json', '--pack-destination', dir], { cwd: ROOT, env: cleanEnv(), maxBuffer: 64 * 1024 * 1024 });
    const packed = JSON.parse(stdout.slice(stdout.indexOf('['))) as { filename: string; files: { path: string }[] }[];
    tarball = join(dir, packed[0]!.filename);
    files = packed[0]!.files.map((f) => f.path);
    writeFileSync(join(dir, 'package.json'), '{}');
    await exec('mkdir', ['-p', app]);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }));
    await exec('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--no-package-lock', tarball], {
      cwd: app,
      env: cleanEnv(),
      maxBuffer: 64 * 1024 * 1024,
    });
  });

  test('is named swiftlet-mqtt, keeps the swiftlet command, and ships the built library and everything the README links to', () => {
    assert.equal(PKG.name, 'swiftlet-mqtt');
    assert.deepEqual(Object.keys(PKG.bin), ['swiftlet']);
    assert.ok(files.includes('dist/index.js'), 'dist/ is built by prepack');
    assert.ok(files.includes('dist/cli/main.js'));
    assert.ok(files.includes('bin/swiftlet.js'));
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const links = [...readme.matchAll(/\]\(((?:docs|examples)\/[^)#\s]+)\)/g)].map((m) => m[1]!);
    assert.ok(links.length > 5, 'the README links to docs and examples');
    for (const link of links) assert.ok(files.includes(link), `${link} (linked from the README) is in the package`);
  });

  test('the installed swiftlet --version prints the package version', async () => {
    const bin = join(app, 'node_modules/.bin/swiftlet');
    assert.ok(existsSync(bin));
    const { stdout } = await exec(bin, ['--version'], { cwd: app, env: cleanEnv() });
    assert.equal(stdout.trim(), PKG.version);
  });

  test('the installed swiftlet serves a publish/subscribe round trip and exits 0 on SIGTERM', async () => {
    const child = spawn(join(app, 'node_modules/.bin/swiftlet'), ['--port', '0', '--log-format', 'json'], { cwd: app, env: cleanEnv() });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.resume();
    const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
    try {
      await waitFor(() => /MQTT listening on 127\.0\.0\.1:\d+/.test(stdout), 20_000, 'listening line');
      const port = Number(/MQTT listening on 127\.0\.0\.1:(\d+)/.exec(stdout)![1]);
      const sub = await connectClient(port);
      const got = collect(sub);
      await sub.subscribeAsync('packed/#', { qos: 1 });
      const pub = await connectClient(port, { protocolVersion: 5 });
      await pub.publishAsync('packed/hello', 'from the tarball', { qos: 1 });
      await waitFor(() => got.length === 1, 5000, 'message');
      assert.equal(got[0]!.payload.toString(), 'from the tarball');
      await endClient(pub);
      await endClient(sub);
    } finally {
      child.kill('SIGTERM');
    }
    assert.equal(await exited, 0);
  });

  test('the library loads with import and with require() (CommonJS, Node >= 20.19)', async () => {
    const esm = await exec(process.execPath, ['--input-type=module', '-e', "import { Broker } from 'swiftlet-mqtt'; console.log(typeof Broker);"], { cwd: app, env: cleanEnv() });
    assert.equal(esm.stdout.trim(), 'function');
    const cjs = await exec(process.execPath, ['-e', "const { Broker, VERSION } = require('swiftlet-mqtt'); console.log(typeof Broker, VERSION);"], {
      cwd: app,
      env: cleanEnv(),
    });
    assert.equal(cjs.stdout.trim(), `function ${PKG.version}`);
    assert.ok(readdirSync(join(app, 'node_modules/swiftlet-mqtt/dist')).includes('index.d.ts'), 'type declarations ship');
  });
});
