-- The inbound MX's shared data (src/feedback/pg-*.ts): every node's MX and pipeline read and write
-- the same suppression list, bounce counts, sent Message-IDs and reply-address confirmations. The
-- MX's inbox (messages accepted and not processed yet) stays in each node's LMDB. Addresses and
-- Message-IDs are lower-cased by the gateway. Times are milliseconds since the epoch.

-- An address a tenant no longer sends to (the entry as JSON, as in LMDB).
CREATE TABLE mx_suppressions (
  tenant_id text COLLATE "C" NOT NULL,
  address text COLLATE "C" NOT NULL,
  entry jsonb NOT NULL,
  PRIMARY KEY (tenant_id, address)
);

-- Hard bounces counted per address until the threshold suppresses it. recordHardBounce increments
-- the row with an upsert, so bounces recorded at once on two nodes both count.
CREATE TABLE mx_bounces (
  tenant_id text COLLATE "C" NOT NULL,
  address text COLLATE "C" NOT NULL,
  count integer NOT NULL,
  last_at bigint NOT NULL,
  PRIMARY KEY (tenant_id, address)
);

-- Each node serves the list from memory (checked per recipient per attempt): a change to either
-- table names the (tenant, address) it touched, and every node re-reads that pair.
CREATE FUNCTION mx_suppressions_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('postbode_mx_suppressions', json_build_object(
    't', COALESCE(NEW.tenant_id, OLD.tenant_id),
    'a', COALESCE(NEW.address, OLD.address))::text);
  RETURN NULL;
END;
$$;
CREATE TRIGGER mx_suppressions_changed AFTER INSERT OR UPDATE OR DELETE ON mx_suppressions
  FOR EACH ROW EXECUTE FUNCTION mx_suppressions_notify();
-- A count going up changes nothing a node serves; a pair gaining or losing its count does (tenantIds).
CREATE TRIGGER mx_bounces_changed AFTER INSERT OR DELETE ON mx_bounces
  FOR EACH ROW EXECUTE FUNCTION mx_suppressions_notify();

-- Message-IDs each tenant sent (without <>), so a reply or DSN received by any node finds the
-- message. The first sending keeps its entry; `at` orders the retention purge.
CREATE TABLE mx_sent (
  tenant_id text COLLATE "C" NOT NULL,
  message_id text COLLATE "C" NOT NULL,
  queue_id text COLLATE "C" NOT NULL,
  at bigint NOT NULL,
  PRIMARY KEY (tenant_id, message_id)
);
CREATE INDEX mx_sent_by_at ON mx_sent (at);

-- The confirmation state of each tenant's reply-forwarding address; every node keeps them in
-- memory (the link page reads them) and re-reads the tenant a notification names.
CREATE TABLE mx_reply_targets (
  tenant_id text COLLATE "C" PRIMARY KEY,
  target jsonb NOT NULL
);

CREATE FUNCTION mx_reply_targets_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('postbode_mx_reply_targets', COALESCE(NEW.tenant_id, OLD.tenant_id));
  RETURN NULL;
END;
$$;
CREATE TRIGGER mx_reply_targets_changed AFTER INSERT OR UPDATE OR DELETE ON mx_reply_targets
  FOR EACH ROW EXECUTE FUNCTION mx_reply_targets_notify();

-- Complaints from receivers' feedback loops (ARF), kept 30 days per tenant (a tenant's older rows go
-- when it records a new one). Every node serves the complaint-rate view from memory and re-reads
-- the tenant a notification names.
CREATE TABLE mx_complaints (
  tenant_id text COLLATE "C" NOT NULL,
  at bigint NOT NULL,
  queue_id text COLLATE "C" NOT NULL,
  recipient text COLLATE "C" NOT NULL,
  feedback_type text NOT NULL,
  PRIMARY KEY (tenant_id, at, queue_id, recipient)
);

CREATE FUNCTION mx_complaints_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('postbode_mx_complaints', COALESCE(NEW.tenant_id, OLD.tenant_id));
  RETURN NULL;
END;
$$;
CREATE TRIGGER mx_complaints_changed AFTER INSERT OR DELETE ON mx_complaints
  FOR EACH ROW EXECUTE FUNCTION mx_complaints_notify();
