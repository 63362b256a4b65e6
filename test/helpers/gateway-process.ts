import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';

export interface GatewayProcess {
  readonly child: ChildProcess;
  readonly smtpPort: number;
  readonly httpPort: number;
  /** Everything the process wrote to stdout (pino JSON lines). */
  output(): string;
  exited(): Promise<number | null>;
}

const root = resolve(import.meta.dirname, '../..');

/**
 * Runs src/main.ts in a child process (through tsx) with POSTBODE_* env, and waits for its
 * "postbode listening" log line to learn the ephemeral ports.
 */
export function spawnGateway(env: Record<string, string>, timeoutMs = 20_000): Promise<GatewayProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', resolve(root, 'src/main.ts')], {
    cwd: root,
    env: { ...process.env, POSTBODE_LOG__LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const exit = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return new Promise((resolveStart, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL'); // a gateway that never said it listens must not outlive the test
      reject(new Error(`gateway did not start in ${timeoutMs} ms:\n${out}\n${err}`));
    }, timeoutMs);
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.includes('"postbode listening"'));
      if (!line) return;
      clearTimeout(timer);
      const parsed = JSON.parse(line) as { smtpPort: number; httpPort: number };
      resolveStart({
        child,
        smtpPort: parsed.smtpPort,
        httpPort: parsed.httpPort,
        output: () => out,
        exited: () => exit,
      });
    });
    void exit.then((code) => {
      clearTimeout(timer);
      reject(new Error(`gateway exited with ${code}:\n${out}\n${err}`));
    });
  });
}
