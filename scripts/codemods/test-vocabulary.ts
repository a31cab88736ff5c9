// One-off codemod: moves test files from the old per-folder helpers (test/broker/support.ts, test/v5/support.ts) and
// local copies onto the shared vocabulary in test/helpers/ (packets.ts, raw-session.ts). It resolves names with the
// TypeScript checker, so a local variable that happens to share a helper's name is left alone. Safe to re-run: a file
// that no longer imports an old helper is not touched.
//   node --import tsx scripts/codemods/test-vocabulary.ts [files...]   (default: every .ts file under test/)
import { writeFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import ts from 'typescript';

const ROOT = resolve(import.meta.dirname, '../..');
const PACKETS = resolve(ROOT, 'test/helpers/packets.ts');
const SESSION = resolve(ROOT, 'test/helpers/raw-session.ts');
const RAW_CLIENT = resolve(ROOT, 'test/helpers/raw-client.ts');
const BROKER_SUPPORT = resolve(ROOT, 'test/broker/support.ts');
const V5_SUPPORT = resolve(ROOT, 'test/v5/support.ts');
const BROKER = resolve(ROOT, 'test/helpers/broker.ts');
const PORTS = resolve(ROOT, 'test/helpers/ports.ts');
const REDIS_SERVER = resolve(ROOT, 'test/helpers/redis-server.ts');
const BRIDGE_SUPPORT = resolve(ROOT, 'test/bridge/support.ts');
const LISTENER_HELPERS = resolve(ROOT, 'test/listeners/helpers.ts');
const E2E_HELPERS = resolve(ROOT, 'test/listeners-e2e/helpers.ts');

/** How a call to an old session opener maps its positional arguments. */
type CallShape = 'broker-session' | 'v5-session' | 'wait-for-what';
interface Target {
  module: string;
  name: string;
  call?: CallShape;
}

/** Old module → old exported name → where the concept lives now. */
const MOVES = new Map<string, Record<string, Target>>([
  [
    BROKER_SUPPORT,
    {
      publishPacket: { module: PACKETS, name: 'publishPacket' },
      subscribePacket: { module: PACKETS, name: 'subscribePacket' },
      unsubscribePacket: { module: PACKETS, name: 'unsubscribePacket' },
      rawSession: { module: SESSION, name: 'rawSession', call: 'broker-session' },
      publishQoS1: { module: SESSION, name: 'publishQoS1' },
      receivePublishes: { module: SESSION, name: 'receivePublishes' },
    },
  ],
  [
    V5_SUPPORT,
    {
      FilterSpec: { module: PACKETS, name: 'FilterSpec' },
      pub: { module: PACKETS, name: 'publishPacket' },
      sub: { module: PACKETS, name: 'subscribePacket' },
      raw: { module: SESSION, name: 'rawSession', call: 'v5-session' },
      subscribe: { module: SESSION, name: 'subscribe' },
      publishes: { module: SESSION, name: 'receivePublishes' },
      disconnected: { module: SESSION, name: 'expectDisconnect' },
      publish1: { module: SESSION, name: 'publishQoS1' },
      publish0: { module: SESSION, name: 'publishQoS0' },
      ping: { module: SESSION, name: 'pingRoundTrip' },
      RawClient: { module: RAW_CLIENT, name: 'RawClient' },
    },
  ],
  [RAW_CLIENT, { connectPacket: { module: PACKETS, name: 'connectPacket' } }],
  [REDIS_SERVER, { freePort: { module: PORTS, name: 'freePort' } }],
  [BRIDGE_SUPPORT, { freePort: { module: PORTS, name: 'freePort' } }],
  [LISTENER_HELPERS, { waitFor: { module: BROKER, name: 'waitFor', call: 'wait-for-what' } }],
  [
    E2E_HELPERS,
    {
      waitFor: { module: BROKER, name: 'waitFor', call: 'wait-for-what' },
      endClient: { module: BROKER, name: 'endClient' },
      portOf: { module: PORTS, name: 'portOf' },
    },
  ],
]);

interface Edit {
  start: number;
  end: number;
  text: string;
}

const config = ts.getParsedCommandLineOfConfigFile(resolve(ROOT, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined });
if (config === undefined) throw new Error('cannot read tsconfig.json');
const program = ts.createProgram(config.fileNames, config.options);
const checker = program.getTypeChecker();
const requested = process.argv.slice(2).map((f) => resolve(f));
const skip = new Set([PACKETS, SESSION, RAW_CLIENT, BROKER_SUPPORT, V5_SUPPORT, BROKER, PORTS, REDIS_SERVER, BRIDGE_SUPPORT, LISTENER_HELPERS, E2E_HELPERS]);

let changed = 0;
for (const sf of program.getSourceFiles()) {
  const file = resolve(sf.fileName);
  if (skip.has(file) || !file.startsWith(resolve(ROOT, 'test') + '/')) continue;
  if (requested.length > 0 && !requested.includes(file)) continue;
  const edits = rewrite(sf, file);
  if (edits.length === 0) continue;
  writeFileSync(file, apply(sf.text, edits));
  changed++;
  console.log(relative(ROOT, file));
}
console.log(`${changed} files rewritten`);

function rewrite(sf: ts.SourceFile, file: string): Edit[] {
  const edits: Edit[] = [];
  const renames = new Map<ts.Symbol, Target>();
  const needed = new Map<string, Map<string, boolean>>(); // module → name → type-only
  let importAt: number | undefined;

  for (const stmt of sf.statements) {
    if (!ts.isImportDeclaration(stmt) || !ts.isStringLiteral(stmt.moduleSpecifier)) continue;
    const from = resolve(dirname(file), stmt.moduleSpecifier.text.replace(/\.js$/, '.ts'));
    const moves = MOVES.get(from);
    const named = stmt.importClause?.namedBindings;
    if (moves === undefined || named === undefined || !ts.isNamedImports(named)) continue;
    const kept: ts.ImportSpecifier[] = [];
    for (const spec of named.elements) {
      const exported = (spec.propertyName ?? spec.name).text;
      const target = moves[exported];
      if (target === undefined) {
        kept.push(spec);
        continue;
      }
      if (spec.propertyName !== undefined) throw new Error(`${file}: renamed import ${exported} as ${spec.name.text}; move it by hand`);
      const symbol = checker.getSymbolAtLocation(spec.name);
      if (symbol !== undefined) renames.set(symbol, target);
      const typeOnly = spec.isTypeOnly || stmt.importClause?.isTypeOnly === true;
      const names = needed.get(target.module) ?? new Map<string, boolean>();
      names.set(target.name, (names.get(target.name) ?? true) && typeOnly);
      needed.set(target.module, names);
    }
    if (kept.length === named.elements.length) continue;
    importAt ??= stmt.getStart(sf);
    if (kept.length === 0) {
      edits.push({ start: stmt.getStart(sf), end: lineEnd(sf.text, stmt.end), text: '' });
    } else {
      const typeOnly = stmt.importClause?.isTypeOnly === true ? 'type ' : '';
      edits.push({ start: stmt.getStart(sf), end: stmt.end, text: `import ${typeOnly}{ ${kept.map((k) => k.getText(sf)).join(', ')} } from ${stmt.moduleSpecifier.getText(sf)};` });
    }
  }
  if (renames.size === 0) return [];

  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) return;
    if (ts.isIdentifier(node)) {
      const symbol = checker.getSymbolAtLocation(node);
      const target = symbol === undefined ? undefined : renames.get(symbol);
      if (target !== undefined) {
        if (ts.isShorthandPropertyAssignment(node.parent)) throw new Error(`${file}: shorthand property ${node.text}; move it by hand`);
        if (node.text !== target.name) edits.push({ start: node.getStart(sf), end: node.end, text: target.name });
        if (target.call !== undefined && ts.isCallExpression(node.parent) && node.parent.expression === node) edits.push(...callArguments(sf, node.parent, target.call));
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);

  // The new imports go where the first old one was, unless the file already imports from that module.
  const lines: string[] = [];
  for (const [module, names] of needed) {
    const spec = relativeSpecifier(file, module);
    const existing = sf.statements.find(
      (s): s is ts.ImportDeclaration =>
        ts.isImportDeclaration(s) && ts.isStringLiteral(s.moduleSpecifier) && s.moduleSpecifier.text === spec && s.importClause?.isTypeOnly !== true && !edits.some((e) => e.start === s.getStart(sf)),
    );
    const already = new Set<string>();
    for (const s of sf.statements) {
      if (!ts.isImportDeclaration(s) || !ts.isStringLiteral(s.moduleSpecifier) || s.moduleSpecifier.text !== spec) continue;
      const nb = s.importClause?.namedBindings;
      if (nb !== undefined && ts.isNamedImports(nb)) for (const e of nb.elements) if (!edits.some((x) => x.start === s.getStart(sf))) already.add(e.name.text);
    }
    const values = [...names].filter(([n, t]) => !t && !already.has(n)).map(([n]) => n).sort();
    const types = [...names].filter(([n, t]) => t && !already.has(n)).map(([n]) => n).sort();
    if (values.length > 0 && existing !== undefined) {
      const nb = existing.importClause?.namedBindings;
      if (nb === undefined || !ts.isNamedImports(nb)) throw new Error(`${file}: cannot extend the import of ${spec}`);
      edits.push({ start: nb.elements.end, end: nb.elements.end, text: `, ${values.join(', ')}` });
    } else if (values.length > 0) {
      lines.push(`import { ${values.join(', ')} } from '${spec}';`);
    }
    if (types.length > 0) lines.push(`import type { ${types.join(', ')} } from '${spec}';`);
  }
  if (lines.length > 0 && importAt !== undefined) edits.push({ start: importAt, end: importAt, text: lines.map((l) => `${l}\n`).join('') });
  return edits;
}

function callArguments(sf: ts.SourceFile, call: ts.CallExpression, shape: CallShape): Edit[] {
  if (shape !== 'wait-for-what') return sessionArguments(sf, call, shape);
  // waitFor(predicate, what) with about 2 s of polling becomes waitFor(predicate, timeoutMs, what).
  const [predicate, what] = call.arguments;
  if (predicate === undefined || what === undefined || call.arguments.length !== 2) throw new Error(`${sf.fileName}: unexpected ${call.getText(sf)}`);
  return [{ start: what.getStart(sf), end: what.getStart(sf), text: '5000, ' }];
}

/**
 * rawSession(port, version, clientId, filters?, extra?) and raw(port, clientId, filters?, extra?, version = 5) both
 * become rawSession(port, version, clientId, { subscribe: filters, connect: extra }); empty [] and {} are dropped.
 * Only separators are edited, so renames inside the arguments still apply.
 */
function sessionArguments(sf: ts.SourceFile, call: ts.CallExpression, shape: CallShape): Edit[] {
  const args = call.arguments;
  if (args.some((a) => ts.isSpreadElement(a))) throw new Error(`${sf.fileName}: spread arguments in ${call.getText(sf)}`);
  const edits: Edit[] = [];
  let filters: ts.Expression | undefined;
  let extra: ts.Expression | undefined;
  if (shape === 'broker-session') {
    [, , , filters, extra] = args;
  } else {
    const [, clientId, f, e, version] = args;
    if (clientId === undefined) throw new Error(`${sf.fileName}: raw() without a client id`);
    filters = f;
    extra = e;
    edits.push({ start: clientId.getStart(sf), end: clientId.getStart(sf), text: `${version === undefined ? '5' : version.getText(sf)}, ` });
    if (version !== undefined) edits.push({ start: (e ?? f ?? clientId).end, end: version.end, text: '' });
  }
  const isEmpty = (a: ts.Expression | undefined): boolean =>
    a === undefined || (ts.isArrayLiteralExpression(a) && a.elements.length === 0) || (ts.isObjectLiteralExpression(a) && a.properties.length === 0);
  const keepFilters = !isEmpty(filters);
  const keepExtra = !isEmpty(extra);
  const before = args[shape === 'broker-session' ? 2 : 1];
  if (before === undefined) return edits;
  // Delete the dropped arguments (with their commas), then wrap what is left in one object.
  if (filters !== undefined && !keepFilters) edits.push({ start: before.end, end: filters.end, text: '' });
  if (extra !== undefined && !keepExtra) edits.push({ start: (filters ?? before).end, end: extra.end, text: '' });
  if (keepFilters && filters !== undefined && keepExtra && extra !== undefined) {
    edits.push({ start: filters.getStart(sf), end: filters.getStart(sf), text: '{ subscribe: ' });
    edits.push({ start: extra.getStart(sf), end: extra.getStart(sf), text: 'connect: ' });
    edits.push({ start: extra.end, end: extra.end, text: ' }' });
  } else if (keepFilters && filters !== undefined) {
    edits.push({ start: filters.getStart(sf), end: filters.getStart(sf), text: '{ subscribe: ' });
    edits.push({ start: filters.end, end: filters.end, text: ' }' });
  } else if (keepExtra && extra !== undefined) {
    edits.push({ start: extra.getStart(sf), end: extra.getStart(sf), text: '{ connect: ' });
    edits.push({ start: extra.end, end: extra.end, text: ' }' });
  }
  return edits;
}

function relativeSpecifier(from: string, module: string): string {
  const rel = relative(dirname(from), module).replace(/\.ts$/, '.js');
  return rel.startsWith('.') ? rel : `./${rel}`;
}

function lineEnd(text: string, pos: number): number {
  return text[pos] === '\n' ? pos + 1 : pos;
}

function apply(text: string, edits: Edit[]): string {
  const sorted = [...edits].sort((a, b) => b.start - a.start || b.end - a.end);
  let out = text;
  let limit = Infinity;
  for (const e of sorted) {
    if (e.end > limit) throw new Error(`overlapping edits at ${e.start}`);
    out = out.slice(0, e.start) + e.text + out.slice(e.end);
    limit = e.start;
  }
  return out;
}
