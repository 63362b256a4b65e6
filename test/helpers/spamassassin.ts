import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * SpamAssassin's local rules (`-L`: no network tests, no DNS blocklists, no Bayes) on messages as
 * a receiver sees them. Needs Debian's `spamassassin` package (.ci/run installs it); tests skip
 * without it. One `spamassassin --mbox` run scores a batch: its start-up takes a second or more.
 */
export const SPAMASSASSIN = process.env.SPAMASSASSIN_BIN ?? 'spamassassin';
export const HAS_SPAMASSASSIN = spawnSync(SPAMASSASSIN, ['--version'], { encoding: 'utf8' }).status === 0;
export const SKIP_NOTE = `${SPAMASSASSIN} is not on PATH (apt-get install -y spamassassin); SpamAssassin tests skipped`;

/**
 * The hop from Postbode to the receiving MX, from a public address (example.com's, outside
 * SpamAssassin's private ranges). Without an untrusted hop every relay is trusted and
 * ALL_TRUSTED (-1.0) hides a point of real score.
 */
export const PUBLIC_HOP =
  'Received: from postbode.example (postbode.example [93.184.216.34])\r\n' +
  '\tby mx.klant.example (Postfix) with ESMTPS id 4VXyZ1aBcD\r\n' +
  '\tfor <piet@klant.example>; Tue, 02 Apr 2024 10:00:05 +0200\r\n';

export function withPublicHop(raw: Buffer): Buffer {
  return Buffer.concat([Buffer.from(PUBLIC_HOP, 'latin1'), raw]);
}

export interface SpamScore {
  readonly score: number;
  /** The rules that hit, comma-separated. */
  readonly tests: string;
}

/** Messages as one mbox ("From " lines, body lines starting with "From " quoted), CRLF kept. */
function mbox(messages: readonly Buffer[]): Buffer {
  return Buffer.concat(
    messages.map((m) =>
      Buffer.concat([
        Buffer.from('From postbode@localhost Tue Apr  2 10:00:00 2024\n'),
        Buffer.from(m.toString('latin1').replace(/^(>*From )/gm, '>$1'), 'latin1'),
        Buffer.from('\n'),
      ]),
    ),
  );
}

function statusOf(out: string, messageId: string): SpamScore | undefined {
  const block = out.split(/^From postbode@localhost /m).find((b) => b.includes(`<${messageId}>`));
  const status =
    block === undefined ? null : /^X-Spam-Status: (?:Yes|No), score=(-?[\d.]+)[^\n]*(?:\n[ \t][^\n]*)*/m.exec(block);
  if (!status) return undefined;
  return {
    score: Number(status[1]),
    tests: /tests=([\s\S]*?)\s+autolearn/.exec(status[0])?.[1]?.replace(/\s+/g, '') ?? '',
  };
}

function messageIdOf(raw: Buffer): string {
  const id = /^Message-ID:\s*<([^>\r\n]+)>/im.exec(raw.toString('latin1'))?.[1];
  if (id === undefined) throw new Error('each scored message needs a unique Message-ID');
  return id;
}

/**
 * Scores each message (each with its own Message-ID: results are matched by it, spamassassin
 * need not keep the mbox order) in one run, with a public hop added first unless `hop: false`.
 */
export async function spamScores(
  messages: readonly Buffer[],
  opts: { readonly hop?: boolean } = {},
): Promise<SpamScore[]> {
  const work = await mkdtemp(join(tmpdir(), 'postbode-spamassassin-'));
  try {
    await writeFile(join(work, 'user_prefs'), '');
    const input = opts.hop === false ? messages : messages.map(withPublicHop);
    const out = await run(work, mbox(input));
    const found = messages.map((m) => statusOf(out, messageIdOf(m)));
    if (found.some((f) => f === undefined))
      throw new Error(`missing results in spamassassin output:\n${out.slice(0, 2000)}`);
    return found as SpamScore[];
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** `spamassassin -L -t --mbox`: local tests only, no Bayes, no learning, preferences in a temp folder. */
function run(work: string, input: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const args = ['-L', '-t', '--mbox', '-p', join(work, 'user_prefs'), '--cf=use_bayes 0', '--cf=bayes_auto_learn 0'];
    const child = spawn(SPAMASSASSIN, args, { env: { ...process.env, HOME: work } });
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error('spamassassin took longer than 60 s'));
    }, 60_000);
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
    });
    child.on('error', reject);
    child.on('close', () => {
      clearTimeout(timer);
      resolve(out);
    });
    child.stdin.end(input);
  });
}
