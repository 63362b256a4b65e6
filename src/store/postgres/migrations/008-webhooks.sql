-- Webhooks shared by every node (src/webhooks/pg-*.ts): tenants' endpoints, the outbox the queue
-- writes a change's events into in the change's own transaction, the events taken out of it and
-- their deliveries, one per subscribed endpoint. Times are milliseconds since the epoch.

-- An endpoint as the API made it (its secrets sealed, as in LMDB) and its health. Every node keeps
-- all endpoints in memory (the queue asks `interest` inside its transactions): a change notifies
-- `postbode_webhook_endpoints` with the endpoint's id, and each node re-reads that row.
CREATE TABLE webhook_endpoints (
  id text COLLATE "C" PRIMARY KEY,
  tenant_id text COLLATE "C" NOT NULL,
  endpoint jsonb NOT NULL,
  health jsonb
);

CREATE FUNCTION webhook_endpoints_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('postbode_webhook_endpoints', COALESCE(NEW.id, OLD.id));
  RETURN NULL;
END;
$$;
CREATE TRIGGER webhook_endpoints_changed AFTER INSERT OR UPDATE OR DELETE ON webhook_endpoints
  FOR EACH ROW EXECUTE FUNCTION webhook_endpoints_notify();

-- Events waiting for a dispatcher (ids sort by time: oldest first). Dispatchers claim rows with
-- FOR UPDATE SKIP LOCKED, so each row is fanned out by one node.
CREATE TABLE webhook_outbox (
  id text COLLATE "C" PRIMARY KEY,
  event jsonb NOT NULL
);

-- Events taken out of the outbox, kept for replays until the retention purge (by id: ids sort by time).
CREATE TABLE webhook_events (
  id text COLLATE "C" PRIMARY KEY,
  event jsonb NOT NULL
);

-- One event on its way to one endpoint. `next_attempt_at` is set while it is pending and due
-- (a test event has none); `lease_*` name the node attempting it now, until when.
CREATE TABLE webhook_deliveries (
  id text COLLATE "C" PRIMARY KEY,
  endpoint_id text COLLATE "C" NOT NULL,
  next_attempt_at bigint,
  lease_node text,
  lease_until bigint,
  delivery jsonb NOT NULL
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at, id) WHERE next_attempt_at IS NOT NULL;
CREATE INDEX webhook_deliveries_by_endpoint ON webhook_deliveries (endpoint_id, id);
