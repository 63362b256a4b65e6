-- The queue on PostgreSQL (src/queue/pg/): message records, bodies, renderings, annotations.

-- One row per message. `record` is the QueuedMessage; the columns beside it are derived from it
-- (queue/records.ts placement()) on every write, for the reads that must not open every record:
-- lane 0 = never attempted (by arrival), 1 = attempted (by its earliest due recipient), NULL = held
-- or complete. A node delivers only the rows it leases: lease_node is its id, lease_until the
-- time (ms since epoch) after which another node may take them over.
CREATE TABLE queue_messages (
  id text COLLATE "C" PRIMARY KEY,
  tenant_id text COLLATE "C" NOT NULL,
  received_at bigint NOT NULL,
  completed_at bigint,
  held_at bigint,
  lane smallint,
  due_at bigint,
  lease_node text,
  lease_until bigint,
  -- Recipients not yet final by status, so queue depth is a sum over pending rows, not a JSON walk.
  n_queued integer NOT NULL DEFAULT 0,
  n_deferred integer NOT NULL DEFAULT 0,
  n_held integer NOT NULL DEFAULT 0,
  record jsonb NOT NULL
);

-- Claims: the due rows in lane order (fresh mail before deferred mail), read with SKIP LOCKED.
CREATE INDEX queue_messages_due ON queue_messages (lane, due_at, id) WHERE lane IS NOT NULL;
-- Depth counts per tenant: pending rows only.
CREATE INDEX queue_messages_pending_depth ON queue_messages (tenant_id) WHERE completed_at IS NULL;
-- Lease renewal and release: a node's own rows.
CREATE INDEX queue_messages_leased ON queue_messages (lease_node) WHERE lease_node IS NOT NULL;

-- Bodies as received, and `<id>.sent` (the bytes as they left). EXTERNAL: out of line and not
-- compressed (mostly base64 PDFs), so a header read takes only the first chunks.
CREATE TABLE queue_bodies (
  id text COLLATE "C" PRIMARY KEY,
  bytes bytea NOT NULL
);
ALTER TABLE queue_bodies ALTER COLUMN bytes SET STORAGE EXTERNAL;

-- A pending message's rendered deliveries (core/rendered.ts): the deliveries without their bytes,
-- and each distinct rendered message once in `parts`.
CREATE TABLE queue_rendered (
  id text COLLATE "C" PRIMARY KEY,
  record jsonb NOT NULL,
  parts bytea[] NOT NULL
);

-- What the pipeline noted about a message (its document number …), for the log's views.
CREATE TABLE queue_annotations (
  id text COLLATE "C" PRIMARY KEY,
  note jsonb NOT NULL
);
