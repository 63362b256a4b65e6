import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isGatewayError } from '../../../src/core/gateway-error.js';
import { createInbox } from '../../../src/receive/mx/inbox.js';
import { closeMxStores, openMxStores, type MxStores } from '../../../src/feedback/mx-stores.js';
import { mountTmpfs, type Tmpfs } from '../../helpers/tmpfs.js';
import { expectNothingFor } from '../../helpers/wait-for.js';
import { storageAt } from '../../helpers/temp-storage.js';

/**
 * The MX inbox on a real 4 MB tmpfs (needs root for mount; this machine and CI run as root):
 * a full disk is E_STORAGE_FULL (the listener answers 452 4.3.1), never a hang or an
 * unhandled rejection, and what was stored before stays readable.
 */
let base: string;
let disk: Tmpfs;
let stores: MxStores | undefined;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => {
  unhandled.push(reason);
};

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'postbode-mx-full-'));
  disk = mountTmpfs(join(base, 'mnt'), '4m');
  process.on('unhandledRejection', onUnhandled);
});

afterAll(async () => {
  if (stores) await closeMxStores(stores);
  process.off('unhandledRejection', onUnhandled);
  disk.unmount();
  await rm(base, { recursive: true, force: true });
});

describe('MX inbox on a full disk', () => {
  it('rejects with E_STORAGE_FULL and keeps what it had stored', async (ctx) => {
    if (disk.error) ctx.skip(`needs root to mount a 4 MB tmpfs (mount failed: ${disk.error})`);
    stores = openMxStores(storageAt(disk.path));
    const inbox = createInbox(stores);
    const stored: string[] = [];
    let failure: unknown;
    for (let n = 0; n < 60 && failure === undefined; n++) {
      const id = `MX${String(n).padStart(4, '0')}`;
      const entry = {
        id,
        receivedAt: n,
        envelope: { from: '', to: ['bounces+x@example.test'] },
        client: { address: '127.0.0.1', helo: 'mx.test' },
      };
      await inbox.put(entry, Buffer.alloc(200 * 1024, `bounce ${n}\r\n`)).then(
        () => stored.push(id),
        (err: unknown) => {
          failure = err;
        },
      );
    }
    expect(stored.length).toBeGreaterThan(3);
    expect(isGatewayError(failure, 'E_STORAGE_FULL')).toBe(true);
    expect(inbox.pending().map((e) => e.id)).toEqual(stored);
    stored.forEach((id, n) => expect(inbox.body(id)?.equals(Buffer.alloc(200 * 1024, `bounce ${n}\r\n`))).toBe(true));
    await expectNothingFor(50, () => unhandled.length === 0, 'no unhandled rejection');
    expect(unhandled).toEqual([]);
  });
});
