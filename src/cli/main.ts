#!/usr/bin/env node
// The `swiftlet` command: serve MQTT (default), or run a subcommand (check-config, passwd, bench).
import { runServe } from './serve-command.js';

const USAGE = `Usage:
  swiftlet [serve] [--config FILE] [flags]  serve MQTT (no config: 127.0.0.1:1883, anonymous from loopback only)
      --config, -c FILE      YAML (.yaml/.yml) or JSON (.json) configuration (env SWIFTLET_CONFIG)
      --host HOST            bind address of the first TCP listener (env SWIFTLET_HOST)
      --port, -p PORT        port of the first TCP listener, 0 = any free one (env SWIFTLET_PORT)
      --log-level LEVEL      fatal|error|warn|info|debug|trace|silent (env SWIFTLET_LOG_LEVEL)
      --log-format FORMAT    json|pretty|auto (env SWIFTLET_LOG_FORMAT)
      --http-host HOST       HTTP server address (env SWIFTLET_HTTP_HOST)
      --http-port PORT       HTTP server port; starts it (env SWIFTLET_HTTP_PORT; tokens: SWIFTLET_HTTP_TOKEN,
                             SWIFTLET_HTTP_READ_ONLY_TOKEN)
  swiftlet check-config FILE                validate a configuration: prints ok (exit 0) or the errors (exit 2)
  swiftlet passwd                           read a password (stdin or prompt) and print its scrypt hash for the ledger
  swiftlet passwd --file LEDGER add|set|delete USER [--scram]
                                            manage the users of a ledger file (swiftlet passwd --help)
  swiftlet bench <run|compare> [...]        load generator and broker comparison (swiftlet bench --help)
  swiftlet --help | --version
See docs/configuration.md.
`;

async function main(argv: string[]): Promise<number> {
  const command = argv[0];
  if (command === 'bench') {
    const { runBenchCommand } = await import('./bench-command.js');
    return runBenchCommand(argv.slice(1));
  }
  if (command === 'check-config') {
    const { runCheckConfig } = await import('./check-config-command.js');
    return runCheckConfig(argv.slice(1));
  }
  if (command === 'passwd') {
    const { runPasswd } = await import('./passwd-command.js');
    return runPasswd(argv.slice(1));
  }
  if (command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  if (command === '--version' || command === '-v') {
    const { VERSION } = await import('../version.js');
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  try {
    return await runServe(command === 'serve' ? argv.slice(1) : argv);
  } catch (err) {
    // parseArgs rejects unknown flags and missing values: a usage error, like a bad configuration.
    if (err instanceof TypeError && 'code' in err && String(err.code).startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`swiftlet: ${err.message}\n${USAGE}`);
      return 2;
    }
    throw err;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`swiftlet: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
