// Loads every TLS listener's certificate, key and CA the way the listener will, so check-config and start report a
// bad file before anything binds, each error naming the listener and the file.
import type { ConfigIssue } from '../config/config-checker.js';
import type { SwiftletConfig } from '../config/config-types.js';
import { loadTlsMaterial } from '../listeners/tls-material.js';

/** One issue per TLS / WSS listener whose material cannot be used; empty when all load. */
export async function checkTlsListeners(config: SwiftletConfig): Promise<ConfigIssue[]> {
  const issues: ConfigIssue[] = [];
  for (const [i, l] of config.listeners.entries()) {
    if ((l.type !== 'tls' && l.type !== 'wss') || l.certFile === undefined || l.keyFile === undefined) continue;
    try {
      const options = { certFile: l.certFile, keyFile: l.keyFile, ...(l.caFile === undefined ? {} : { caFile: l.caFile }), ...(l.passphrase === undefined ? {} : { passphrase: l.passphrase }) };
      await loadTlsMaterial(options, l.id);
    } catch (err) {
      issues.push({ path: `listeners[${i}]`, message: err instanceof Error ? err.message : String(err) });
    }
  }
  return issues;
}
