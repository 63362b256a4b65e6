import { type Clock, systemClock } from '../core/clock.js';
import { COUNTS_TAG, type CountRow, type CountsMessage, countKeyId, isCountsMessage } from './counts-message.js';

/** A live worker as the primary sees it: node:cluster's Worker fits, with `id` as a string. */
export interface RelayWorker {
  readonly id: string;
  send(msg: CountsMessage): void;
}

export interface CountsRelayOptions {
  /** The workers to forward to: those connected now (a send that throws skips its worker: it is leaving). */
  readonly workers: () => Iterable<RelayWorker>;
  readonly clock?: Clock;
  /**
   * Keys (kind and key) held at most, each with every worker's rows of it (default 100,000): the
   * least recently counted go.
   */
  readonly maxKeys?: number;
}

export interface CountsRelay {
  /**
   * Handles what worker `id` sent: a counts message is kept and forwarded to every other worker (a
   * `hello` is answered with the snapshot), and the answer is true; other traffic answers false.
   */
  onWorkerMessage(id: string, msg: unknown): boolean;
  /** Keys held (for tests and metrics). */
  readonly size: number;
}

/** A key's rows, by the worker that counted them and the end of their window. */
interface KeyRows {
  readonly rows: Map<string, { readonly from: string; readonly row: CountRow }>;
}

/** Rows in one snapshot message at most, as a worker sends them. */
const ROWS_PER_MESSAGE = 5_000;
/** How often the table is swept of rows whose window has ended (on a message: a quiet primary holds them). */
const PRUNE_EVERY_MS = 10_000;

/**
 * The primary's side of the counts its workers share (ipc-shared-counts.ts): it forwards each
 * worker's rows to the others, and keeps the latest row per worker, kind, key and window, so a
 * worker that starts (or restarts after a crash) gets the others' counts, its predecessor's among
 * them, at once: a crash loop does not reset an attacker's guesses. Rows whose window has ended go;
 * past maxKeys the key counted least recently goes. No node:cluster here: the primary wires its
 * workers' messages in (see README.md).
 */
export function startCountsRelay(options: CountsRelayOptions): CountsRelay {
  const clock = options.clock ?? systemClock;
  const maxKeys = options.maxKeys ?? 100_000;
  const byKey = new Map<string, KeyRows>();
  let prunedAt = clock();

  const keep = (msg: CountsMessage, now: number) => {
    for (const { kind, key } of msg.forgotten ?? []) byKey.delete(countKeyId(kind, key));
    for (const row of msg.rows) {
      if (row.expiresAt <= now) continue;
      const id = countKeyId(row.kind, row.key);
      const held = byKey.get(id) ?? { rows: new Map() };
      held.rows.set(`${msg.from}\u0000${row.expiresAt}`, { from: msg.from, row });
      byKey.delete(id);
      byKey.set(id, held);
    }
    while (byKey.size > maxKeys) {
      const oldest = byKey.keys().next();
      if (oldest.done) break;
      byKey.delete(oldest.value);
    }
  };
  const prune = (now: number) => {
    for (const [id, held] of byKey) {
      for (const [rowId, { row }] of held.rows) if (row.expiresAt <= now) held.rows.delete(rowId);
      if (held.rows.size === 0) byKey.delete(id);
    }
    prunedAt = now;
  };
  const sendTo = (id: string, messages: readonly CountsMessage[]) => {
    for (const worker of options.workers()) {
      if (worker.id !== id) continue;
      for (const msg of messages) if (!trySend(worker, msg)) return;
    }
  };
  const forward = (from: string, msg: CountsMessage) => {
    for (const worker of options.workers()) if (worker.id !== from) trySend(worker, msg);
  };

  return {
    onWorkerMessage(id, msg) {
      if (!isCountsMessage(msg)) return false;
      const now = clock();
      if (now - prunedAt >= PRUNE_EVERY_MS) prune(now);
      keep(msg, now);
      if (msg.rows.length > 0 || (msg.forgotten?.length ?? 0) > 0) forward(id, msg);
      if (msg.hello) sendTo(id, snapshot(byKey, now));
      return true;
    },
    get size() {
      return byKey.size;
    },
  };
}

/** The rows held still in their window, as messages from the workers that counted them, the last one marked. */
function snapshot(byKey: Map<string, KeyRows>, now: number): CountsMessage[] {
  const byWorker = new Map<string, CountRow[]>();
  for (const held of byKey.values()) {
    for (const { from, row } of held.rows.values()) {
      if (row.expiresAt <= now) continue;
      const rows = byWorker.get(from) ?? [];
      rows.push(row);
      byWorker.set(from, rows);
    }
  }
  const messages: CountsMessage[] = [];
  for (const [from, rows] of byWorker) {
    for (let i = 0; i < rows.length; i += ROWS_PER_MESSAGE) {
      messages.push({ t: COUNTS_TAG, from, rows: rows.slice(i, i + ROWS_PER_MESSAGE) });
    }
  }
  // The last message says the snapshot is complete (ipc-shared-counts.ts' ready()); an empty one if none.
  const last = messages.pop() ?? { t: COUNTS_TAG, from: '', rows: [] };
  messages.push({ ...last, hello: true });
  return messages;
}

/** Sends, or answers false for a worker whose channel has closed (it is leaving; its successor says hello). */
function trySend(worker: RelayWorker, msg: CountsMessage): boolean {
  try {
    worker.send(msg);
    return true;
  } catch {
    return false;
  }
}
