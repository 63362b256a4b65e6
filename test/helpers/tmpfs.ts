import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';

/**
 * A real, small tmpfs for disk-full tests (needs root; this machine and CI run as root).
 * `error` says why it could not be mounted; tests skip with it rather than fail.
 */
export interface Tmpfs {
  readonly path: string;
  readonly error?: string;
  unmount(): void;
}

export function mountTmpfs(path: string, size: string): Tmpfs {
  try {
    mkdirSync(path, { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', path], { stdio: 'pipe' });
    return { path, unmount: () => execFileSync('umount', ['-l', path]) };
  } catch (err) {
    return { path, error: String(err), unmount: () => undefined };
  }
}
