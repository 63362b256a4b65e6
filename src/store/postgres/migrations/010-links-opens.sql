-- Mailbox links (Gmail, Microsoft 365), their consent flows and daily send counts, and recorded pixel
-- opens, shared by every node (src/tenants/gmail/pg-*.ts, src/tenants/microsoft/pg-*.ts,
-- src/feedback/opens/pg-open-store.ts). Times are milliseconds since the epoch.

-- A tenant's link as the gateway made it: its refresh token sealed (SecretBox), as in LMDB. Every node
-- reads links per message from memory: a change notifies `postbode_mailbox_links` with
-- `<provider> <tenant>`, and each node re-reads that row. `version` (from one sequence, taken under
-- the tenant's lock) orders a node's own writes against what its listener already read.
CREATE SEQUENCE mailbox_links_version;
CREATE TABLE mailbox_links (
  provider text COLLATE "C" NOT NULL,
  tenant_id text COLLATE "C" NOT NULL,
  version bigint NOT NULL,
  link jsonb NOT NULL,
  PRIMARY KEY (provider, tenant_id)
);

CREATE FUNCTION mailbox_links_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('postbode_mailbox_links', COALESCE(NEW.provider, OLD.provider) || ' ' ||
    COALESCE(NEW.tenant_id, OLD.tenant_id));
  RETURN NULL;
END;
$$;
CREATE TRIGGER mailbox_links_changed AFTER INSERT OR UPDATE OR DELETE ON mailbox_links
  FOR EACH ROW EXECUTE FUNCTION mailbox_links_notify();

-- Consent flows in progress, by the SHA-256 of their state (the database never holds a usable one);
-- taken with DELETE … RETURNING, so a state works once whichever node the callback lands on.
CREATE TABLE mailbox_link_states (
  provider text COLLATE "C" NOT NULL,
  state_hash text COLLATE "C" NOT NULL,
  tenant_id text COLLATE "C" NOT NULL,
  expires_at bigint NOT NULL,
  pending jsonb NOT NULL,
  PRIMARY KEY (provider, state_hash)
);
CREATE INDEX mailbox_link_states_by_tenant ON mailbox_link_states (provider, tenant_id);
CREATE INDEX mailbox_link_states_by_expiry ON mailbox_link_states (provider, expires_at);

-- Sends (Gmail) or recipients (Microsoft 365) per link and UTC day, counted with one upsert per
-- message so a tenant's daily limit holds for the cluster.
CREATE TABLE mailbox_send_counts (
  provider text COLLATE "C" NOT NULL,
  link_key text COLLATE "C" NOT NULL,
  day text COLLATE "C" NOT NULL,
  tenant_id text COLLATE "C" NOT NULL,
  n integer NOT NULL,
  PRIMARY KEY (provider, link_key, day)
);
CREATE INDEX mailbox_send_counts_by_tenant ON mailbox_send_counts (provider, tenant_id);

-- One record per message and recipient (lower-cased), updated per pixel fetch.
CREATE TABLE pixel_opens (
  message_id text COLLATE "C" NOT NULL,
  recipient text COLLATE "C" NOT NULL,
  record jsonb NOT NULL,
  PRIMARY KEY (message_id, recipient)
);
