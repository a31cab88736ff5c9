// Where the dashboard's files come from: dist/dashboard/ in a built package, an in-memory build when running from source.
import { readFile, readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { BundleFiles } from './build-bundle.js';

/** The folder `npm run build` writes the bundle to; this module sits at `<root>/{src,dist}/http/dashboard/`. */
export const BUNDLE_DIR = fileURLToPath(new URL('../../../dist/dashboard/', import.meta.url));

/** True when this module runs as TypeScript (tsx, tests, `npm start`), i.e. from a source checkout. */
const FROM_SOURCE = import.meta.url.endsWith('.ts');

let loading: Promise<BundleFiles> | undefined;

/**
 * The dashboard bundle, loaded once per process. From source it is built in memory so it always matches the source;
 * from the package it is read from dist/dashboard/. Rejects when neither is possible.
 */
export function loadDashboardBundle(): Promise<BundleFiles> {
  loading ??= (FROM_SOURCE ? buildFromSource() : readBundleDir(BUNDLE_DIR)).catch((err: unknown) => {
    loading = undefined;
    throw err;
  });
  return loading;
}

async function buildFromSource(): Promise<BundleFiles> {
  const { buildDashboardBundle } = await import('./build-bundle.js');
  return buildDashboardBundle();
}

/** Reads a built bundle folder (index.html, app.js, app.css). */
export async function readBundleDir(dir: string): Promise<BundleFiles> {
  const files: BundleFiles = new Map();
  for (const name of await readdir(dir)) files.set(name, await readFile(`${dir}${dir.endsWith('/') ? '' : '/'}${name}`));
  if (!files.has('index.html')) throw new Error(`no index.html in ${dir}`);
  return files;
}
