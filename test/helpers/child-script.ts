// Runs an ESM script in a child `node --import tsx` (imports of the repository's src/ work by absolute path), for
// tests that must see a process end by itself (no open handles).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The repository root, with a trailing slash. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** The repository's src/ folder, with a trailing slash, for imports inside scripts. */
export const SRC = `${ROOT}src/`;

/** Resolves with the script's exit code (null if killed), its output, and whether it was killed after `timeoutMs`. */
export function runChild(script: string, timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string; timedOut: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    let timedOut = false;
    // A leaked handle keeps the child alive for good: kill it after the limit and say so.
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, timedOut });
    });
  });
}
