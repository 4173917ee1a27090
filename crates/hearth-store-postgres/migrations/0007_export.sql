-- Export files (kept in the database: instances share nothing else) and the index
-- an export reads items by.
CREATE TABLE export_file (
    job_id   TEXT NOT NULL,
    filename TEXT NOT NULL,
    content  TEXT NOT NULL,
    PRIMARY KEY (job_id, filename)
);
CREATE INDEX conversation_item_at ON conversation_item (at, item_seq);
