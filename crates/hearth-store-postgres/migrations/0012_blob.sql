-- Files (attachments, inline images), kept once per content: the id is the SHA-256
-- of the bytes. item_blob says which items show a file; a file no item shows is
-- removed with the last of them (erasure).
CREATE TABLE blob (
    blob_id      TEXT    PRIMARY KEY,
    content_type TEXT    NOT NULL,
    size         BIGINT  NOT NULL,
    bytes        BYTEA    NOT NULL,
    created_at   BIGINT  NOT NULL
);

CREATE TABLE item_blob (
    item_id TEXT NOT NULL,
    blob_id TEXT NOT NULL,
    PRIMARY KEY (item_id, blob_id)
);
CREATE INDEX item_blob_blob ON item_blob (blob_id);
