// Writes the dashboard bundle to dist/dashboard/ (run by `npm run build`, after tsc).
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { buildDashboardBundle } from '../src/http/dashboard/build-bundle.js';
import { BUNDLE_DIR } from '../src/http/dashboard/dashboard-bundle.js';

const files = await buildDashboardBundle();
await rm(BUNDLE_DIR, { recursive: true, force: true });
await mkdir(BUNDLE_DIR, { recursive: true });
let total = 0;
for (const [name, body] of files) {
  await writeFile(`${BUNDLE_DIR}${name}`, body);
  total += body.length;
  console.log(`dist/dashboard/${name}  ${(body.length / 1024).toFixed(1)} KiB`);
}
console.log(`dashboard bundle: ${(total / 1024).toFixed(1)} KiB`);
