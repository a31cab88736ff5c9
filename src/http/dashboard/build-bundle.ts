// Bundles the dashboard's front end (src/http/dashboard/ui/) with esbuild: index.html, app.js, app.css.
// Runs at `npm run build` (scripts/build-dashboard.ts) and, when Swiftlet runs from its TypeScript source, in memory
// at the first request. esbuild is a development dependency: a published package serves the files built into dist/.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

/** The front end's source folder. */
export const UI_SOURCE_DIR = fileURLToPath(new URL('./ui/', import.meta.url));

/** The bundle's files by name (`index.html`, `app.js`, `app.css`). */
export type BundleFiles = Map<string, Buffer>;

/** Builds the bundle in memory (minified, no source maps). Needs the `esbuild` package. */
export async function buildDashboardBundle(): Promise<BundleFiles> {
  const esbuild = await import('esbuild');
  const result = await esbuild.build({
    entryPoints: { app: `${UI_SOURCE_DIR}main.tsx` },
    bundle: true,
    minify: true,
    format: 'esm',
    target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    tsconfig: `${UI_SOURCE_DIR}tsconfig.json`,
    outdir: 'out',
    write: false,
    logLevel: 'silent',
    legalComments: 'none',
  });
  const files: BundleFiles = new Map();
  for (const file of result.outputFiles) {
    const name = file.path.slice(file.path.lastIndexOf('/') + 1);
    files.set(name, Buffer.from(file.contents));
  }
  files.set('index.html', await readFile(`${UI_SOURCE_DIR}index.html`));
  return files;
}
