// Edits the users of a ledger file in place, like mosquitto_passwd: the rest of the file (rules, ACL, comments) stays,
// the result is checked as a ledger before it replaces the file, and the replacement is atomic (write, then rename).
import { chmodSync, existsSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { isMap, parseDocument } from 'yaml';
import type { Document } from 'yaml';
import { compileLedger } from '../hooks/builtin/ledger-rules.js';
import type { ScramCredentials } from '../hooks/builtin/scram-credentials.js';

/** What to do to one user. */
export type LedgerEdit =
  | { action: 'add' | 'set'; user: string; scram: ScramCredentials | undefined }
  | { action: 'delete'; user: string };

/** A refused edit (the file is left as it was). */
export class LedgerEditError extends Error {}

/** One way of reading and writing a ledger file's tree. */
interface LedgerText {
  has(path: string[]): boolean;
  set(path: string[], value: unknown): void;
  delete(path: string[]): void;
  toJS(): unknown;
  toString(): string;
}

function jsonText(text: string): LedgerText {
  const root = (text.trim() === '' ? {} : JSON.parse(text)) as Record<string, unknown>;
  const parent = (path: string[], create: boolean): Record<string, unknown> | undefined => {
    let node: Record<string, unknown> = root;
    for (const key of path.slice(0, -1)) {
      const next = node[key];
      if (typeof next !== 'object' || next === null) {
        if (!create) return undefined;
        node[key] = {};
      }
      node = node[key] as Record<string, unknown>;
    }
    return node;
  };
  return {
    has: (path) => parent(path, false)?.[path.at(-1)!] !== undefined,
    set: (path, value) => void (parent(path, true)![path.at(-1)!] = value),
    delete: (path) => void delete parent(path, false)?.[path.at(-1)!],
    toJS: () => root,
    toString: () => `${JSON.stringify(root, null, 2)}\n`,
  };
}

function yamlText(text: string): LedgerText {
  const doc: Document = parseDocument(text);
  if (doc.errors.length > 0) throw new LedgerEditError(`invalid YAML: ${doc.errors[0]!.message.split('\n')[0]}`);
  if (doc.contents === null) doc.contents = doc.createNode({});
  if (!isMap(doc.contents)) throw new LedgerEditError('expected a ledger (an object of users, auth and acl)');
  return {
    has: (path) => doc.hasIn(path),
    set: (path, value) => doc.setIn(path, doc.createNode(value)),
    delete: (path) => void doc.deleteIn(path),
    toJS: () => doc.toJS() as unknown,
    toString: () => doc.toString(),
  };
}

/** Applies one edit to a ledger file (created for add/set when missing); returns a one-line description. */
export function editLedgerFile(file: string, edit: LedgerEdit, passwordHash: string | undefined): string {
  const exists = existsSync(file);
  if (!exists && edit.action === 'delete') throw new LedgerEditError(`${file} does not exist`);
  const text = exists ? readFileSync(file, 'utf8') : '';
  let ledger: LedgerText;
  try {
    ledger = extname(file).toLowerCase() === '.json' ? jsonText(text) : yamlText(text);
  } catch (err) {
    throw err instanceof LedgerEditError ? err : new LedgerEditError(`cannot parse ${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const at = ['users', edit.user];
  const known = ledger.has(at);
  let done: string;
  if (edit.action === 'delete') {
    if (!known) throw new LedgerEditError(`no user ${JSON.stringify(edit.user)} in ${file}`);
    ledger.delete(at);
    done = `deleted user ${edit.user}`;
  } else {
    if (edit.action === 'add' && known) throw new LedgerEditError(`user ${JSON.stringify(edit.user)} already exists in ${file} (use set to change the password)`);
    ledger.set([...at, 'password'], passwordHash);
    // Old SCRAM credentials would still accept the old password: they are replaced or removed with it.
    if (edit.scram !== undefined) ledger.set([...at, 'scram'], edit.scram);
    else if (ledger.has([...at, 'scram'])) ledger.delete([...at, 'scram']);
    done = `${known ? 'updated' : 'added'} user ${edit.user}${edit.scram === undefined ? '' : ' (with SCRAM-SHA-256 credentials)'}`;
  }
  try {
    compileLedger(ledger.toJS());
  } catch (err) {
    throw new LedgerEditError(`the edited ledger would be invalid, ${file} is unchanged: ${err instanceof Error ? err.message : String(err)}`);
  }
  // Same folder, so the rename is atomic: a broker reading the file (SIGHUP, watch) sees the old or the new one.
  const temp = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
  try {
    writeFileSync(temp, ledger.toString(), { mode: exists ? statSync(file).mode & 0o777 : 0o600 });
    if (exists) chmodSync(temp, statSync(file).mode & 0o777);
    renameSync(temp, file);
  } catch (err) {
    if (existsSync(temp)) unlinkSync(temp);
    throw err;
  }
  return done;
}
