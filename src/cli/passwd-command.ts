// `swiftlet passwd`: print a password's scrypt hash, or manage the users of a ledger file
// (`swiftlet passwd --file ledger.yaml add|set|delete USER [--scram]`), reading passwords from stdin or a prompt.
import { parseArgs } from 'node:util';
import { hashPassword } from '../hooks/builtin/password-hash.js';
import { createScramCredentials } from '../hooks/builtin/scram-credentials.js';
import { LedgerEditError, editLedgerFile } from './passwd-ledger-file.js';

const USAGE = `usage:
  swiftlet passwd                                          print the scrypt hash of a password
  swiftlet passwd --file LEDGER add|set USER [--scram]     add a user / set a user's password (--scram: also SCRAM-SHA-256)
  swiftlet passwd --file LEDGER delete USER                remove a user
The password is read from stdin (one line) or, on a terminal, prompted for twice without echo.
`;

/** Reads all of a non-terminal stdin; one trailing newline (LF or CRLF) is not part of the password. */
async function readPiped(stdin: NodeJS.ReadStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

/** Prompts on the terminal without echo; resolves undefined on Ctrl-C or Ctrl-D. */
function promptHidden(stdin: NodeJS.ReadStream, stderr: NodeJS.WriteStream, prompt: string): Promise<string | undefined> {
  stderr.write(prompt);
  stdin.setRawMode(true);
  stdin.resume();
  stdin.setEncoding('utf8');
  let text = '';
  return new Promise((resolve) => {
    const finish = (value: string | undefined): void => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      stderr.write('\n');
      resolve(value);
    };
    const onData = (data: string): void => {
      for (const ch of data) {
        if (ch === '\r' || ch === '\n') return finish(text);
        if (ch === '\u0003' || ch === '\u0004') return finish(undefined);
        if (ch === '\u007f' || ch === '\b') text = text.slice(0, -1);
        else text += ch;
      }
    };
    stdin.on('data', onData);
  });
}

/** The password from a prompt (twice) or stdin; a number is the exit code to return instead. */
async function readPassword(): Promise<string | number> {
  let password: string | undefined;
  if (process.stdin.isTTY) {
    password = await promptHidden(process.stdin, process.stderr, 'Password: ');
    if (password === undefined) return 130;
    const again = await promptHidden(process.stdin, process.stderr, 'Again: ');
    if (again !== password) {
      process.stderr.write('swiftlet: passwd: the passwords differ\n');
      return 2;
    }
  } else {
    password = await readPiped(process.stdin);
  }
  if (password === '') {
    process.stderr.write('swiftlet: passwd: empty password\n');
    return 2;
  }
  return password;
}

function usage(message?: string): number {
  if (message !== undefined) process.stderr.write(`swiftlet: passwd: ${message}\n`);
  process.stderr.write(USAGE);
  return 2;
}

/** Runs the command; exit 0, or 2 on a usage error, an empty password, different entries or a refused edit. */
export async function runPasswd(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { file: { type: 'string', short: 'f' }, scram: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, allowPositionals: true });
  } catch (err) {
    return usage(err instanceof Error ? err.message : String(err));
  }
  const { values, positionals } = parsed;
  if (values.help === true) {
    process.stdout.write(USAGE);
    return 0;
  }
  const file = values.file;
  if (file === undefined) {
    if (positionals.length > 0 || values.scram === true) return usage('add, set and delete need --file LEDGER');
    const password = await readPassword();
    if (typeof password === 'number') return password;
    process.stdout.write(`${await hashPassword(password)}\n`);
    return 0;
  }
  const [action, user, ...rest] = positionals;
  if (action !== 'add' && action !== 'set' && action !== 'delete') return usage(`expected add, set or delete, found ${JSON.stringify(action ?? '')}`);
  if (user === undefined || user === '' || rest.length > 0) return usage(`expected one user name after ${action}`);
  if (action === 'delete' && values.scram === true) return usage('--scram goes with add or set');
  try {
    if (action === 'delete') {
      process.stderr.write(`swiftlet: passwd: ${editLedgerFile(file, { action, user }, undefined)} in ${file}\n`);
      return 0;
    }
    const password = await readPassword();
    if (typeof password === 'number') return password;
    const scram = values.scram === true ? createScramCredentials(password) : undefined;
    const done = editLedgerFile(file, { action, user, scram }, await hashPassword(password));
    process.stderr.write(`swiftlet: passwd: ${done} in ${file}\n`);
    return 0;
  } catch (err) {
    if (err instanceof LedgerEditError) {
      process.stderr.write(`swiftlet: passwd: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
}
