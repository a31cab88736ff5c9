#!/usr/bin/env node
// The `swiftlet` command: serve MQTT (default), or run a subcommand (bench).
import { parseArgs } from 'node:util';
import { Broker } from '../broker.js';
import { TcpListener } from '../listeners/tcp-listener.js';

const USAGE = `Usage:
  swiftlet [--host HOST] [--port PORT]     serve MQTT (default 127.0.0.1:1883)
  swiftlet bench <run|compare> [...]       load generator and broker comparison (swiftlet bench --help)
  swiftlet --help | --version
`;

async function serve(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string', default: '1883' },
      help: { type: 'boolean', short: 'h', default: false },
      version: { type: 'boolean', short: 'v', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (values.version) {
    process.stdout.write(`${await packageVersion()}\n`);
    return 0;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`swiftlet: --port: expected an integer in 0..65535, found ${JSON.stringify(values.port)}\n`);
    return 2;
  }
  const broker = new Broker();
  const listener = new TcpListener({ id: 'tcp', host: values.host, port });
  await broker.addListener(listener);
  await broker.serve();
  const address = listener.address();
  if (address !== undefined && 'port' in address) process.stdout.write(`swiftlet: MQTT listening on ${address.host}:${address.port}\n`);
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  process.stdout.write('swiftlet: shutting down\n');
  // close() sends DISCONNECT 0x8B (server shutting down) to 5.0 clients before the sockets end.
  await broker.close();
  return 0;
}

async function packageVersion(): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

async function main(argv: string[]): Promise<number> {
  if (argv[0] === 'bench') {
    const { runBenchCommand } = await import('./bench-command.js');
    return runBenchCommand(argv.slice(1));
  }
  return serve(argv);
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
