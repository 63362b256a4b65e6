import type pg from 'pg';
import type { Storage } from '../../store/storage.js';
import { type OpenEvents, openOpenStore, type OpenStore } from './open-store.js';
import { openPgOpenStore } from './pg-open-store.js';

/** Opens on the shared database when there is one (every node's API shows every node's opens), else on LMDB. */
export function openOpenStoreOn(storage: Storage, pool: pg.Pool | undefined, events?: OpenEvents): OpenStore {
  return pool ? openPgOpenStore(pool, events) : openOpenStore(storage, events);
}
