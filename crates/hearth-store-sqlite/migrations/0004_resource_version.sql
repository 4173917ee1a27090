-- Every configuration resource carries a version for ETag / If-Match.
ALTER TABLE resource ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
