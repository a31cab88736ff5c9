// Reads a configuration file (YAML or JSON by extension) and resolves it with the environment and flags.
import { readFileSync } from 'node:fs';
import { dirname, extname, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { ConfigChecker } from './config-checker.js';
import type { ConfigIssue } from './config-checker.js';
import type { SwiftletConfig } from './config-types.js';
import { applyOverrides, readOverrides } from './overrides.js';
import type { FlagValues } from './overrides.js';
import { validateConfig } from './validate-config.js';

/** A parsed file, or the problems that kept it from parsing. */
export interface ParsedFile {
  raw: unknown;
  issues: ConfigIssue[];
}

/** Reads and parses a config file: `.json` as JSON, `.yaml` / `.yml` as YAML; every syntax error is reported with its line. */
export function parseConfigFile(file: string): ParsedFile {
  const ext = extname(file).toLowerCase();
  if (ext !== '.json' && ext !== '.yaml' && ext !== '.yml') {
    return { raw: undefined, issues: [{ path: file, message: `expected a .yaml, .yml or .json file, found ${JSON.stringify(ext === '' ? file : ext)}` }] };
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    return { raw: undefined, issues: [{ path: file, message: `cannot read the file (${code})` }] };
  }
  if (ext === '.json') {
    try {
      return { raw: JSON.parse(text) as unknown, issues: [] };
    } catch (err) {
      return { raw: undefined, issues: [{ path: file, message: `invalid JSON: ${err instanceof Error ? err.message : String(err)}` }] };
    }
  }
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    return {
      raw: undefined,
      // With prettyErrors the first line reads "<problem> at line L, column C:"; the code frame below it is dropped.
      issues: doc.errors.map((e) => ({ path: file, message: `invalid YAML: ${(e.message.split('\n')[0] ?? '').replace(/:$/, '')}` })),
    };
  }
  return { raw: doc.toJS() as unknown, issues: [] };
}

/** Inputs of resolveConfig. */
export interface ResolveOptions {
  /** `--config`; wins over SWIFTLET_CONFIG. */
  configFile?: string | undefined;
  flags?: FlagValues;
  env?: Readonly<Record<string, string | undefined>>;
  /** Working directory for a relative config path. Default process.cwd(). */
  cwd?: string;
  /** Check that referenced files exist. Default true. */
  checkFiles?: boolean;
}

/** A resolved configuration; `issues` is empty when it may be used. */
export interface ResolvedConfig {
  config: SwiftletConfig;
  /** The config file used, or undefined for defaults only. */
  file: string | undefined;
  issues: ConfigIssue[];
}

/** Builds the effective configuration: defaults < file < environment < flags; collects every problem. */
export function resolveConfig(options: ResolveOptions = {}): ResolvedConfig {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const named = options.configFile ?? (env.SWIFTLET_CONFIG === '' ? undefined : env.SWIFTLET_CONFIG);
  const file = named === undefined ? undefined : resolve(cwd, named);
  const parsed: ParsedFile = file === undefined ? { raw: undefined, issues: [] } : parseConfigFile(file);
  const validateOptions = { baseDir: file === undefined ? cwd : dirname(file), checkFiles: options.checkFiles ?? true, env };
  const { config, issues } = validateConfig(parsed.issues.length > 0 ? undefined : parsed.raw, validateOptions);
  const checker = new ConfigChecker();
  const overrides = readOverrides(options.flags ?? {}, env, checker);
  applyOverrides(config, overrides);
  return { config, file, issues: [...parsed.issues, ...issues, ...checker.issues] };
}
