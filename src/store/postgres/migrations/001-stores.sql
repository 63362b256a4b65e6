-- The first stores on PostgreSQL: per-tenant documents, append-only logs, blobs.

-- One JSON document per (store, tenant): store is `<owner>/<name>`, as the LMDB named database.
CREATE TABLE tenant_documents (
  store text COLLATE "C" NOT NULL,
  tenant_id text COLLATE "C" NOT NULL,
  doc jsonb NOT NULL,
  PRIMARY KEY (store, tenant_id)
);

-- Every node caches the documents it serves; a change on one node reaches the others as a
-- notification naming the row (the payload limit rules out the document itself).
CREATE FUNCTION tenant_documents_notify() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  changed tenant_documents := COALESCE(NEW, OLD);
BEGIN
  PERFORM pg_notify('postbode_tenant_documents', json_build_object('store', changed.store, 'tenant', changed.tenant_id)::text);
  RETURN NULL;
END;
$$;

CREATE TRIGGER tenant_documents_changed AFTER INSERT OR UPDATE OR DELETE ON tenant_documents
  FOR EACH ROW EXECUTE FUNCTION tenant_documents_notify();

-- Entries of append-only logs; ids sort by time in byte order (hence COLLATE "C").
CREATE TABLE log_entries (
  log text COLLATE "C" NOT NULL,
  id text COLLATE "C" NOT NULL,
  scope text COLLATE "C",
  at bigint NOT NULL,
  entry jsonb NOT NULL,
  PRIMARY KEY (log, id)
);

-- Bytes by id. EXTERNAL: stored out of line and uncompressed (message bodies are mostly
-- compressed or base64 already; a part can be read without decompressing the whole).
CREATE TABLE blobs (
  store text COLLATE "C" NOT NULL,
  id text COLLATE "C" NOT NULL,
  bytes bytea NOT NULL,
  PRIMARY KEY (store, id)
);
ALTER TABLE blobs ALTER COLUMN bytes SET STORAGE EXTERNAL;
