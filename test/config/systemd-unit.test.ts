// examples/swiftlet.service: a unit systemd accepts, running the swiftlet command itself (signals reach the broker),
// reloading with SIGHUP and checking the configuration before start.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { test } from 'node:test';
import { ROOT } from '../helpers/cli-process.js';

const exec = promisify(execFile);
const UNIT = readFileSync(join(ROOT, 'examples/swiftlet.service'), 'utf8');

/** `Key=value` lines of one [Section]. */
function section(name: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let current = '';
  for (const line of UNIT.split('\n')) {
    const header = /^\[(.+)\]$/.exec(line.trim());
    if (header !== null) current = header[1]!;
    else if (current === name && /^[A-Za-z]+=/.test(line)) {
      const eq = line.indexOf('=');
      out.set(line.slice(0, eq), [...(out.get(line.slice(0, eq)) ?? []), line.slice(eq + 1)]);
    }
  }
  return out;
}

test('the unit starts the swiftlet command with a config file, checks it first, reloads with SIGHUP, stops with SIGTERM', () => {
  const service = section('Service');
  assert.match(service.get('ExecStart')![0]!, /^\/\S+\/swiftlet --config \/etc\/swiftlet\/swiftlet\.yaml$/);
  assert.match(service.get('ExecStartPre')![0]!, /^\/\S+\/swiftlet check-config \/etc\/swiftlet\/swiftlet\.yaml$/);
  assert.deepEqual(service.get('ExecReload'), ['/bin/kill -HUP $MAINPID']);
  assert.deepEqual(service.get('KillSignal'), ['SIGTERM']);
  assert.ok(!UNIT.includes('npm start'), 'supervisors run the command, not npm');
  assert.deepEqual(section('Install').get('WantedBy'), ['multi-user.target']);
});

test('systemd-analyze verify accepts the unit', async (t) => {
  const analyze = '/usr/bin/systemd-analyze';
  if (!existsSync(analyze)) {
    t.skip('systemd-analyze is not installed');
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'swiftlet-unit-'));
  try {
    // verify needs the executables to exist: point the unit at this Node binary.
    const file = join(dir, 'swiftlet.service');
    writeFileSync(file, UNIT.replaceAll('/usr/local/bin/swiftlet', process.execPath));
    const { stdout, stderr } = await exec(analyze, ['verify', file]);
    assert.equal(`${stdout}${stderr}`.trim(), '');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
