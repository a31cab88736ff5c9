// Turns `auth` settings into an AuthLedger, applying the secure defaults with the ledger's own auth rules.
import { AuthLedger } from '../hooks/builtin/auth-ledger.js';
import type { HookLogger } from '../hooks/hook.js';
import type { AuthRule, LedgerData } from '../hooks/builtin/ledger-rules.js';
import type { AuthConfig } from '../config/config-types.js';

/**
 * Auth rules that let anonymous clients in from loopback addresses only. No users exist when these rules apply, so a
 * client that sends a user name (many devices always do) is anonymous too and is let in from loopback as well.
 */
export const LOOPBACK_ANONYMOUS_RULES: readonly AuthRule[] = Object.freeze([
  { remoteAddress: '127.0.0.0/8', allow: true },
  { remoteAddress: '::1', allow: true },
]);

/** The ledger options that follow from `auth`: who may connect anonymously and from where. */
export function resolveLedgerOptions(auth: AuthConfig): { ledger?: LedgerData; file?: string; allowAnonymous: boolean } {
  if (auth.ledgerFile !== undefined) {
    // A ledger file is "users configured": anonymous access needs an explicit yes.
    return { file: auth.ledgerFile, allowAnonymous: auth.allowAnonymous ?? false };
  }
  const ledger: LedgerData = auth.ledger ?? {};
  const hasUsers = ledger.users !== undefined && Object.keys(ledger.users).length > 0;
  if (auth.allowAnonymous !== undefined || hasUsers) return { ledger, allowAnonymous: auth.allowAnonymous ?? false };
  // Secure default: nobody configured anything, so only this machine may connect, without credentials.
  return { ledger: { ...ledger, auth: [...(ledger.auth ?? []), ...LOOPBACK_ANONYMOUS_RULES] }, allowAnonymous: false };
}

/** Creates the AuthLedger hook for `auth` (reads the ledger file now; throws LedgerError when it is invalid). */
export function createAuthLedger(auth: AuthConfig, logger?: HookLogger): AuthLedger {
  const resolved = resolveLedgerOptions(auth);
  return new AuthLedger({
    ...resolved,
    watch: auth.watch,
    useCertificateCommonNameAsUsername: auth.useCertificateCommonNameAsUsername,
    ...(logger === undefined ? {} : { logger }),
  });
}
