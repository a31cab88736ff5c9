// `swiftlet passwd`: read a password (stdin, or a no-echo prompt on a terminal) and print its scrypt hash for the ledger.
import { hashPassword } from '../hooks/builtin/password-hash.js';

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

/** Prints the scrypt hash of a password; exit 0, or 2 when the password is empty or the two entries differ. */
export async function runPasswd(argv: string[]): Promise<number> {
  if (argv.length > 0) {
    process.stderr.write('usage: swiftlet passwd   (reads the password from stdin, or prompts on a terminal)\n');
    return 2;
  }
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
  process.stdout.write(`${await hashPassword(password)}\n`);
  return 0;
}
