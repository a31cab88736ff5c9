// AuthLedger: users with scrypt passwords, auth rules and ACL rules from an object or a YAML/JSON file.
import { readFileSync, watch } from 'node:fs';
import type { FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, extname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ReasonCode } from '../../codec/reason-codes.js';
import { certificateUsername } from './certificate-identity.js';
import type { AclAccess, AuthResult, ClientInfo, ConnectAuth, Decision, Hook, HookContext, HookLogger, MaybePromise } from '../hook.js';
import { checkLedgerAccess, compileLedger, findAuthRule } from './ledger-rules.js';
import type { CompiledLedger, LedgerData } from './ledger-rules.js';
import { unmatchableHashLike, verifyPassword } from './password-hash.js';
import type { ScramCredentials } from './scram-credentials.js';

/** The unmatchable hash of each compiled ledger (computed on first use). */
const unmatchableHashes = new WeakMap<CompiledLedger, string>();

/** Options of AuthLedger. */
export interface AuthLedgerOptions {
  /** Hook id. Default `auth-ledger`. */
  id?: string;
  /** Ledger data given directly; used when no file is given. */
  ledger?: LedgerData;
  /** A YAML (or `.json`) ledger file, read at construction (a bad file throws) and by reload(). */
  file?: string;
  /** Reload when the file changes. Default false. */
  watch?: boolean;
  /** Debounce of watch reloads in ms. Default 100. */
  watchDebounceMs?: number;
  /** Let clients without a user name in when no auth rule decides. Default false. */
  allowAnonymous?: boolean;
  /** Use the verified TLS certificate's common name as the user name (for rules and ACL). Default false. */
  useCertificateCommonNameAsUsername?: boolean;
  /** Logger until init() hands over the broker's. */
  logger?: HookLogger;
}

const SILENT: HookLogger = { debug() {}, info() {}, warn() {}, error() {} };

/** Reads and compiles a ledger file: `.json` as JSON, anything else as YAML. */
function parseLedgerText(file: string, text: string): CompiledLedger {
  const raw: unknown = extname(file).toLowerCase() === '.json' ? JSON.parse(text) : parseYaml(text);
  return compileLedger(raw);
}

/**
 * Authentication and authorization from a ledger of users, auth rules and ACL rules.
 * Order for a CONNECT: the first matching auth rule decides (allow needs no password, deny refuses with 0x87);
 * else a client without a user name depends on `allowAnonymous` (refused with 0x87), and so does a client with a user
 * name while the ledger has no users at all (nothing to check it against); else a known user with a matching scrypt
 * password is allowed, and an unknown user or a missing or wrong password gets 0x86.
 */
export class AuthLedger implements Hook {
  readonly id: string;
  #ledger: CompiledLedger;
  #file: string | undefined;
  #watch: boolean;
  readonly #debounceMs: number;
  #allowAnonymous: boolean;
  #certificateUsername: boolean;
  #logger: HookLogger;
  #watcher: FSWatcher | undefined;
  #timer: NodeJS.Timeout | undefined;
  #reloading: Promise<boolean> | undefined;
  /** Tells the broker that cached read answers are stale; set by init(). */
  #invalidateAclCache: () => void = () => undefined;

  constructor(options: AuthLedgerOptions = {}) {
    this.id = options.id ?? 'auth-ledger';
    this.#file = options.file === undefined ? undefined : resolve(options.file);
    this.#watch = options.watch ?? false;
    this.#debounceMs = options.watchDebounceMs ?? 100;
    this.#allowAnonymous = options.allowAnonymous ?? false;
    this.#certificateUsername = options.useCertificateCommonNameAsUsername ?? false;
    this.#logger = options.logger ?? SILENT;
    // Startup must fail loudly on a bad ledger; only reloads fall back to the old rules.
    this.#ledger = this.#file === undefined ? compileLedger(options.ledger ?? {}) : parseLedgerText(this.#file, readFileSync(this.#file, 'utf8'));
  }

  /** Takes the broker's logger and starts watching the file when asked to. */
  init(ctx: HookContext): void {
    if (ctx.invalidateAclCache !== undefined) this.#invalidateAclCache = ctx.invalidateAclCache;
    this.#logger = ctx.logger;
    if (this.#watch && this.#file !== undefined && this.#watcher === undefined) this.#startWatching(this.#file);
  }

  /** Stops watching. */
  stop(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#watcher?.close();
    this.#watcher = undefined;
  }

  #startWatching(file: string): void {
    // Watch the directory, not the file: editors save by writing a new file and renaming it over the old one.
    const name = basename(file);
    this.#watcher = watch(dirname(file), (_event, changed) => {
      if (changed !== null && changed.toString() !== name) return;
      if (this.#timer !== undefined) clearTimeout(this.#timer);
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        void this.reload();
      }, this.#debounceMs);
    });
    this.#watcher.on('error', (err) => {
      this.#logger.error({ hook: this.id, file, err }, 'ledger watch failed');
    });
  }

  /**
   * Applies new settings at once (the CLI does this on SIGHUP): the ledger data or file (read now), anonymous access,
   * certificate user names and watching. Throws and keeps everything as it was when the new ledger is invalid.
   * Connected clients stay; their next ACL check uses the new rules.
   */
  reconfigure(options: Pick<AuthLedgerOptions, 'ledger' | 'file' | 'allowAnonymous' | 'useCertificateCommonNameAsUsername' | 'watch'>): void {
    const file = options.file === undefined ? undefined : resolve(options.file);
    const ledger = file === undefined ? compileLedger(options.ledger ?? {}) : parseLedgerText(file, readFileSync(file, 'utf8'));
    this.#ledger = ledger;
    this.#allowAnonymous = options.allowAnonymous ?? false;
    this.#certificateUsername = options.useCertificateCommonNameAsUsername ?? false;
    const watchChanged = file !== this.#file || (options.watch ?? false) !== this.#watch;
    this.#file = file;
    this.#watch = options.watch ?? false;
    if (watchChanged && this.#watcher !== undefined) this.stop();
    if (watchChanged && this.#watch && file !== undefined && this.#watcher === undefined) this.#startWatching(file);
  }

  /** Replaces the rules with new data; throws LedgerError (and keeps the old rules) when the data is invalid. */
  load(data: LedgerData): void {
    this.#ledger = compileLedger(data);
    this.#invalidateAclCache();
  }

  /**
   * Re-reads the file and swaps the rules atomically; resolves true when swapped. A bad file keeps the old rules
   * and logs the file and the error. Without a file it resolves false. The CLI calls this on SIGHUP.
   */
  reload(): Promise<boolean> {
    const file = this.#file;
    if (file === undefined) return Promise.resolve(false);
    // Serialise reloads so an older read can never overwrite a newer one.
    const previous = this.#reloading ?? Promise.resolve(true);
    const next = previous.then(async () => {
      try {
        const ledger = parseLedgerText(file, await readFile(file, 'utf8'));
        this.#ledger = ledger;
        this.#invalidateAclCache();
        this.#logger.info({ hook: this.id, file }, 'ledger reloaded');
        return true;
      } catch (err) {
        this.#logger.error({ hook: this.id, file, err }, `ledger reload failed, keeping the previous rules: ${err instanceof Error ? err.message : String(err)}`);
        return false;
      }
    });
    this.#reloading = next;
    return next;
  }

  /** The SCRAM credentials of a user, for ScramSha256. */
  getScramCredentials(username: string): ScramCredentials | undefined {
    return this.#ledger.users.get(username)?.scram;
  }

  /** True when the ledger knows this user name. */
  hasUser(username: string): boolean {
    return this.#ledger.users.has(username);
  }

  /** Decides a CONNECT (see the class description for the order). */
  authenticate(client: ClientInfo, auth: ConnectAuth): MaybePromise<AuthResult> {
    const ledger = this.#ledger;
    const certificate = auth.meta.certificate;
    const fromCertificate = this.#certificateUsername ? certificateUsername(certificate) : undefined;
    const username = fromCertificate ?? auth.username;
    const override = fromCertificate !== undefined && fromCertificate !== auth.username ? { username: fromCertificate } : {};
    const rule = findAuthRule(ledger, {
      clientId: auth.clientId,
      username,
      remoteAddress: auth.meta.remoteAddress,
      certificate,
    });
    // A ledger user's limits go with every allow for that user name.
    const limits = username === undefined ? undefined : ledger.users.get(username)?.limits;
    const withLimits = limits === undefined ? override : { ...override, limits };
    if (rule !== undefined) {
      return rule.allow
        ? { decision: 'allow', ...withLimits }
        : { decision: 'deny', reasonCode: ReasonCode.NOT_AUTHORIZED, reasonString: 'refused by an auth rule' };
    }
    // Without a user database a user name proves nothing: the anonymous rules apply, as in Mosquitto.
    if (username === undefined || ledger.users.size === 0) {
      return this.#allowAnonymous ? { decision: 'allow' } : { decision: 'deny', reasonCode: ReasonCode.NOT_AUTHORIZED };
    }
    if (auth.password === undefined) return { decision: 'deny', reasonCode: ReasonCode.BAD_USER_NAME_OR_PASSWORD };
    // An unknown user (or one without a password) is checked against a hash nothing matches: the same answer after
    // the same work as a wrong password, so the answer time does not tell which user names exist.
    const stored = ledger.users.get(username)?.password;
    return verifyPassword(auth.password, stored ?? this.#unmatchable(ledger)).then((ok): AuthResult =>
      ok && stored !== undefined ? { decision: 'allow', ...withLimits } : { decision: 'deny', reasonCode: ReasonCode.BAD_USER_NAME_OR_PASSWORD },
    );
  }

  // A hash nothing matches, with the cost of the ledger's first password (per ledger: a reload may change costs).
  #unmatchable(ledger: CompiledLedger): string {
    let hash = unmatchableHashes.get(ledger);
    if (hash === undefined) {
      let like: string | undefined;
      for (const user of ledger.users.values()) {
        if (user.password !== undefined) {
          like = user.password;
          break;
        }
      }
      hash = unmatchableHashLike(like);
      unmatchableHashes.set(ledger, hash);
    }
    return hash;
  }

  /** Decides a publish / subscribe / read with the ACL rules; sync. */
  checkAcl(client: ClientInfo, topic: string, access: AclAccess): Decision {
    return checkLedgerAccess(this.#ledger, client.id, client.username, topic, access);
  }
}
