import { spawn, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';
import { inject } from 'vitest';

export interface GatewayProcess {
  readonly child: ChildProcess;
  readonly smtpPort: number;
  readonly httpPort: number;
  /** Everything the process wrote to stdout (pino JSON lines). */
  output(): string;
  /** The JSON lines of `output()`, parsed (typed by the caller: pino's msg, level and the logged fields). */
  lines<T>(): T[];
  exited(): Promise<number | null>;
}

const root = resolve(import.meta.dirname, '../..');

/** `node <file>` of the run's transpiled src/ (test/helpers/test-dist.ts), e.g. 'main.js', 'admin/cli/main.js'. */
export function distFile(file: string): string {
  return join(inject('testDist'), file);
}

/**
 * Runs main.js of the run's transpiled src/ in a child process with POSTBODE_* env, and waits for its
 * "postbode listening" log line to learn the ephemeral ports.
 */
export function spawnGateway(env: Record<string, string>, timeoutMs = 20_000): Promise<GatewayProcess> {
  const child = spawn(process.execPath, [distFile('main.js')], {
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
        lines: <T>() =>
          out
            .split('\n')
            .filter((l) => l.startsWith('{'))
            .map((l) => JSON.parse(l) as T),
        exited: () => exit,
      });
    });
    void exit.then((code) => {
      clearTimeout(timer);
      reject(new Error(`gateway exited with ${code}:\n${out}\n${err}`));
    });
  });
}
