// A hook module for the `hooks:` section of the configuration file: the default export builds the hook.
// It refuses user names without the configured prefix and logs every connection through the broker's logger.
export default function createHook(options, context) {
  const prefix = options?.prefix ?? 'device-';
  context.logger.info({ module: context.modulePath, prefix }, 'prefix hook loaded');
  return {
    id: 'username-prefix',
    authenticate(client, auth) {
      // 'defer' lets the hooks after this one (JWT, HTTP, the ledger) decide.
      return auth.username?.startsWith(prefix) ? 'defer' : { decision: 'deny', reasonCode: 0x87 };
    },
    onConnected(client) {
      context.logger.info({ clientId: client.id }, 'connected');
    },
  };
}
