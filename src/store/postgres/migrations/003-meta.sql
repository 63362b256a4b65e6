-- Facts about the store itself, one row each: the fingerprint of the key that seals tenant secrets
-- (store/key-fingerprint.ts), so a node started with another key refuses to start.
CREATE TABLE meta (
  key text PRIMARY KEY,
  value text NOT NULL
);
