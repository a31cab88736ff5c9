// Collects configuration problems, each naming its key path, what was expected and what was found.

/** One configuration problem: `path: message`. */
export interface ConfigIssue {
  /** Key path such as `listeners[1].port`, or the flag / environment variable that was wrong. */
  readonly path: string;
  readonly message: string;
}

/** Thrown when a configuration is invalid; carries every problem found, not only the first. */
export class ConfigError extends Error {
  readonly code = 'SWIFTLET_ERR_CONFIG_INVALID' as const;
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[]) {
    super(issues.map(formatIssue).join('\n'));
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

/** Formats an issue as one line: `path: message`. */
export function formatIssue(issue: ConfigIssue): string {
  return issue.path === '' ? issue.message : `${issue.path}: ${issue.message}`;
}

/** Describes a found value briefly for an error message: strings and numbers quoted as JSON, objects by kind. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'function') return 'a function';
  const text = JSON.stringify(value);
  // Keep one line per error even for pasted certificates.
  return text.length > 60 ? `${text.slice(0, 57)}..."` : text;
}

/** True for a plain object (not null, not a list). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Gathers issues while a configuration is read; every check records and returns undefined on failure. */
export class ConfigChecker {
  readonly issues: ConfigIssue[] = [];

  /** Records a problem at `path`. */
  add(path: string, message: string): void {
    this.issues.push({ path, message });
  }

  /** Records `expected X, found Y`. */
  expected(path: string, expected: string, found: unknown): undefined {
    this.add(path, `expected ${expected}, found ${describeValue(found)}`);
    return undefined;
  }

  /** Records each key of `obj` that is not in `allowed`. */
  keys(obj: Record<string, unknown>, allowed: readonly string[], path: string): void {
    for (const key of Object.keys(obj)) {
      if (!allowed.includes(key)) this.add(join(path, key), `unknown key (expected one of ${allowed.join(', ')})`);
    }
  }

  /** An object, or undefined (recorded) when the value is something else. */
  object(value: unknown, path: string): Record<string, unknown> | undefined {
    return isRecord(value) ? value : this.expected(path, 'an object', value);
  }

  /** An integer in min..max. */
  integer(value: unknown, path: string, min: number, max: number): number | undefined {
    if (typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max) return value;
    return this.expected(path, `an integer in ${min}..${max}`, value);
  }

  /** A finite number greater than `above`. */
  positive(value: unknown, path: string): number | undefined {
    if (typeof value === 'number' && Number.isFinite(value) && value > 0) return value;
    return this.expected(path, 'a number greater than 0', value);
  }

  /** A boolean. */
  boolean(value: unknown, path: string): boolean | undefined {
    return typeof value === 'boolean' ? value : this.expected(path, 'true or false', value);
  }

  /** A non-empty string. */
  string(value: unknown, path: string): string | undefined {
    return typeof value === 'string' && value !== '' ? value : this.expected(path, 'a non-empty string', value);
  }

  /** A bearer token: a string of at least 16 characters (a guessable token protects nothing). */
  token(value: unknown, path: string): string | undefined {
    const token = this.string(value, path);
    if (token === undefined) return undefined;
    if (token.length < 16) {
      this.add(path, `expected at least 16 characters, found ${token.length}`);
      return undefined;
    }
    return token;
  }

  /** One of the listed strings. */
  oneOf<T extends string>(value: unknown, path: string, choices: readonly T[]): T | undefined {
    if (typeof value === 'string' && (choices as readonly string[]).includes(value)) return value as T;
    return this.expected(path, `one of ${choices.join(', ')}`, value);
  }
}

/** Joins a key onto a path: `a` + `b` = `a.b`; the root has an empty path. */
export function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}
