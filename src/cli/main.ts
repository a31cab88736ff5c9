// The `swiftlet` command. The broker core lands with the "Broker core" issue; until then it says so.
process.stdout.write('swiftlet: the broker is not built yet (see README, Status).\n');
