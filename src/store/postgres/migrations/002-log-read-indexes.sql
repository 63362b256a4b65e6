-- A scope's page (newest first, before a cursor) is an index range read, not a scan of the log;
-- prune finds old entries by time.
CREATE INDEX log_entries_by_scope ON log_entries (log, scope, id) WHERE scope IS NOT NULL;
CREATE INDEX log_entries_by_at ON log_entries (log, at);
