// `swiftlet check-config FILE`: validate a configuration (with the environment's overrides) without starting anything.
import { resolveConfig } from '../config/load-config.js';
import { checkTlsListeners } from '../server/tls-check.js';
import { PROCESS_IO, printIssues } from './serve-command.js';
import type { CommandIo } from './serve-command.js';

/** Prints "ok" (exit 0) or every problem (exit 2); TLS material is loaded as start would load it. */
export async function runCheckConfig(argv: string[], io: CommandIo = PROCESS_IO): Promise<number> {
  const file = argv[0];
  if (file === undefined || argv.length > 1 || file.startsWith('-')) {
    io.stderr.write('usage: swiftlet check-config FILE\n');
    return 2;
  }
  const { config, issues } = resolveConfig({ configFile: file, env: io.env });
  if (issues.length === 0) issues.push(...(await checkTlsListeners(config)));
  if (issues.length > 0) {
    printIssues(io, issues);
    return 2;
  }
  io.stdout.write('ok\n');
  return 0;
}
