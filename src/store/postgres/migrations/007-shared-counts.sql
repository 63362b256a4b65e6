-- Windowed counts every node adds to (failed AUTH attempts per client, messages per tenant), so
-- throttles and limits hold for the cluster (store/postgres/pg-shared-counts.ts). A row is what one
-- node counted for a key in one slot (or fixed window) starting at `slot`; it counts until
-- `expires_at`. Times are milliseconds since the epoch, from the node's clock. A node sends its
-- deltas every few hundred milliseconds and reads the other nodes' rows changed since its last read.
CREATE TABLE shared_counts (
  kind text COLLATE "C" NOT NULL,
  key text COLLATE "C" NOT NULL,
  node text COLLATE "C" NOT NULL,
  slot bigint NOT NULL,
  expires_at bigint NOT NULL,
  count bigint NOT NULL,
  changed_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (kind, key, node, slot)
);
CREATE INDEX shared_counts_by_change ON shared_counts (changed_at);
CREATE INDEX shared_counts_by_expiry ON shared_counts (expires_at);
