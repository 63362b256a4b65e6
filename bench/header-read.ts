/**
 * Cost of reading the headers of a 20 KB stored message, the way the pipeline and the message
 * log do: split into fields and read From (pipeline), and the header text (message log).
 * Run: npx tsx bench/header-read.ts [path-to-src]  (defaults to ../src; point it at a copy of
 * an older tree to compare).
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const ROUNDS = 200_000;

function message(): Buffer {
  const head = [
    'Received: from client.example (client.example [192.0.2.1])\r\n\tby postbode.test with ESMTPSA id abc; Mon, 7 Dec 2026 08:00:00 +0000',
    'From: Boekhouding <facturen@klant.example>', 'To: Jan <jan@example.net>', 'Subject: Factuur 2026-0042',
    'Date: Mon, 7 Dec 2026 08:00:00 +0000', 'Message-ID: <abc.123@klant.example>', 'MIME-Version: 1.0',
    'Content-Type: multipart/mixed;\r\n boundary="----=_Part_1"',
  ].join('\r\n');
  const line = `${'x'.repeat(74)}\r\n`;
  return Buffer.from(`${head}\r\n\r\n${line.repeat(Math.ceil((20 * 1024 - head.length) / line.length))}`, 'latin1');
}

async function main(): Promise<void> {
  const src = resolve(process.argv[2] ?? resolve(import.meta.dirname, '../src'));
  const load = async (path: string): Promise<Record<string, (...args: never[]) => unknown>> => import(pathToFileURL(resolve(src, path)).href);
  const mime = await load(process.argv[3] ?? 'mime/index.ts');
  const queue = await load('queue/header-text.ts');
  const raw = message();
  const split = mime.splitMessage as (b: Buffer) => { fields: string[] };
  const findFields = mime.findFields as (m: unknown, n: string) => string[];
  const fieldValue = mime.fieldValue as (f: string) => string;
  const headerText = queue.headerText as (b: Buffer) => string;
  const time = (label: string, fn: () => unknown): void => {
    for (let i = 0; i < ROUNDS / 10; i++) fn();
    const start = process.hrtime.bigint();
    for (let i = 0; i < ROUNDS; i++) fn();
    const ns = Number(process.hrtime.bigint() - start) / ROUNDS;
    console.log(`${label.padEnd(44)} ${(ns / 1000).toFixed(2)} µs/read`);
  };
  console.log(`message ${raw.length} bytes, ${ROUNDS} rounds`);
  time('split + From value (pipeline)', () => fieldValue(findFields(split(raw), 'from')[0] ?? ''));
  time('header text (message log)', () => headerText(raw));
}

await main();
