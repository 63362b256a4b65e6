/**
 * Cost of reading the headers of a 20 KB stored message, the way the pipeline, the message
 * log and the accept path do: split into fields and read From (pipeline), the header text
 * (message log), locate the block and parse its fields (accept path).
 * Run: npx tsx bench/header-read.ts [src-dir] [module]  (defaults: ../src and mime/index.ts).
 * To compare with an older tree, extract its src/ elsewhere and name a module there that
 * exports splitMessage, findFields, fieldValue, locateHeaderBlock and parseHeaderFields.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const ROUNDS = 10_000;
const TRIALS = 41;

function message(): Buffer {
  const head = [
    'Received: from client.example (client.example [192.0.2.1])\r\n\tby postbode.test with ESMTPSA id abc;' +
      ' Mon, 7 Dec 2026 08:00:00 +0000',
    'From: Boekhouding <facturen@klant.example>',
    'To: Jan <jan@example.net>',
    'Subject: Factuur 2026-0042',
    'Date: Mon, 7 Dec 2026 08:00:00 +0000',
    'Message-ID: <abc.123@klant.example>',
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed;\r\n boundary="----=_Part_1"',
  ].join('\r\n');
  const line = `${'x'.repeat(74)}\r\n`;
  return Buffer.from(`${head}\r\n\r\n${line.repeat(Math.ceil((20 * 1024 - head.length) / line.length))}`, 'latin1');
}

async function main(): Promise<void> {
  const src = resolve(process.argv[2] ?? resolve(import.meta.dirname, '../src'));
  type Module = Record<string, (...args: never[]) => unknown>;
  const load = async (path: string): Promise<Module> => import(pathToFileURL(resolve(src, path)).href);
  const mime = await load(process.argv[3] ?? 'mime/index.ts');
  const queue = await load('queue/header-text.ts');
  const raw = message();
  const split = mime.splitMessage as (b: Buffer) => { fields: string[] };
  const findFields = mime.findFields as (m: unknown, n: string) => string[];
  const fieldValue = mime.fieldValue as (f: string) => string;
  const headerText = queue.headerText as (b: Buffer) => string;
  const locate = mime.locateHeaderBlock as (b: Buffer, limit: number) => { end: number };
  const parseFields = mime.parseHeaderFields as (text: string) => unknown[];
  // A shared machine is noisy: CPU time (not wall time) of many short trials, the fastest and the median.
  const time = (label: string, fn: () => unknown): void => {
    for (let i = 0; i < ROUNDS; i++) fn();
    const trials: number[] = [];
    for (let t = 0; t < TRIALS; t++) {
      const start = process.cpuUsage();
      for (let i = 0; i < ROUNDS; i++) fn();
      const used = process.cpuUsage(start);
      trials.push((used.user + used.system) / ROUNDS);
    }
    trials.sort((a, b) => a - b);
    const [min, median] = [trials[0]!, trials[TRIALS >> 1]!];
    console.log(`${label.padEnd(34)} min ${min.toFixed(2)} µs, median ${median.toFixed(2)} µs CPU per read`);
  };
  console.log(`message ${raw.length} bytes, ${TRIALS} trials of ${ROUNDS} reads`);
  time('split + From value (pipeline)', () => fieldValue(findFields(split(raw), 'from')[0] ?? ''));
  time('header text (message log)', () => headerText(raw));
  time('locate + fields (accept path)', () => parseFields(raw.toString('latin1', 0, locate(raw, 256 * 1024).end)));
}

await main();
