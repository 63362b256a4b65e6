-- The message log's reads (src/queue/pg/pg-log-reads.ts, pg-purge.ts) as index range reads.

-- One tenant's log page, newest first before a cursor: never reads another tenant's rows.
CREATE INDEX queue_messages_log ON queue_messages (tenant_id, id);

-- Today's outcomes (summary) and the retention purge: completed messages by completion time.
CREATE INDEX queue_messages_completed ON queue_messages (completed_at) WHERE completed_at IS NOT NULL;
CREATE INDEX queue_messages_tenant_completed ON queue_messages (tenant_id, completed_at)
  WHERE completed_at IS NOT NULL;

-- The review list and held messages: few rows, oldest hold first.
CREATE INDEX queue_messages_held ON queue_messages (tenant_id, held_at, id)
  WHERE held_at IS NOT NULL AND completed_at IS NULL;
