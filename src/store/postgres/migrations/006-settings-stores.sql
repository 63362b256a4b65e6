-- The settings stores on PostgreSQL: tenants, API tokens, sender settings, sending domains.
-- Uniqueness lives in the indexes here, never in a node's cache: two nodes write at once.

-- A tenant is its JSON record; username_key is its SMTP user name lower-cased (by the gateway, so
-- the rule is JavaScript's, as with LMDB): one tenant per user name in any letter case.
CREATE TABLE tenants (
  id text COLLATE "C" PRIMARY KEY,
  username_key text COLLATE "C" NOT NULL,
  doc jsonb NOT NULL,
  CONSTRAINT tenants_username_unique UNIQUE (username_key)
);

-- The allowed IPs and ranges of tenants, read by the IP authentication without decoding tenants.
-- net is the entry as the gateway parses it (an IPv4-mapped address as IPv4; NULL when it does
-- not parse): the index finds the ranges holding a client address without a scan of every entry.
CREATE TABLE tenant_ips (
  tenant_id text COLLATE "C" NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  entry text COLLATE "C" NOT NULL,
  net inet,
  PRIMARY KEY (tenant_id, entry)
);
CREATE INDEX tenant_ips_by_net ON tenant_ips USING gist (net inet_ops);

-- API tokens (the hash of the secret, never the secret); owner is a tenant id or 'admin'.
CREATE TABLE api_tokens (
  id text COLLATE "C" PRIMARY KEY,
  owner text COLLATE "C" NOT NULL,
  doc jsonb NOT NULL
);
CREATE INDEX api_tokens_by_owner ON api_tokens (owner, id);

-- Sender settings per tenant; local_part is the forwarding local part the settings name, claimed
-- by the unique index in the transaction that stores them (NULL: none yet).
CREATE TABLE sender_settings (
  tenant_id text COLLATE "C" PRIMARY KEY,
  local_part text COLLATE "C",
  doc jsonb NOT NULL,
  CONSTRAINT sender_settings_local_part_unique UNIQUE (local_part)
);

-- One claim per (domain, tenant); the owner (the first claim that proved the domain) apart.
CREATE TABLE domain_claims (
  domain text COLLATE "C" NOT NULL,
  tenant_id text COLLATE "C" NOT NULL,
  doc jsonb NOT NULL,
  PRIMARY KEY (domain, tenant_id)
);
-- A tenant's domains, for its removal (tenant purge).
CREATE INDEX domain_claims_by_tenant ON domain_claims (tenant_id);
CREATE TABLE domain_owners (
  domain text COLLATE "C" PRIMARY KEY,
  tenant_id text COLLATE "C" NOT NULL
);

-- Sender settings and domains are read per message from each node's cache: a change names the
-- tenant (sender settings) or the domain (claims and owner), and every node re-reads that.
CREATE FUNCTION sender_settings_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('postbode_sender_settings', COALESCE(NEW.tenant_id, OLD.tenant_id));
  RETURN NULL;
END;
$$;
CREATE TRIGGER sender_settings_changed AFTER INSERT OR UPDATE OR DELETE ON sender_settings
  FOR EACH ROW EXECUTE FUNCTION sender_settings_notify();

CREATE FUNCTION domains_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('postbode_domains', COALESCE(NEW.domain, OLD.domain));
  RETURN NULL;
END;
$$;
CREATE TRIGGER domain_claims_changed AFTER INSERT OR UPDATE OR DELETE ON domain_claims
  FOR EACH ROW EXECUTE FUNCTION domains_notify();
CREATE TRIGGER domain_owners_changed AFTER INSERT OR UPDATE OR DELETE ON domain_owners
  FOR EACH ROW EXECUTE FUNCTION domains_notify();
