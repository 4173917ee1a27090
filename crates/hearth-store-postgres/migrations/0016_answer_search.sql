-- Full-text search of answers. One row per text of an answer (language and use),
-- its words folded by the application (lower case, no accents, no markup). The
-- `simple` configuration neither stems nor drops words, as FTS5 on SQLite.
CREATE TABLE answer_search (
    answer_id TEXT NOT NULL,
    language  TEXT NOT NULL,
    kind      TEXT NOT NULL,
    name      TEXT NOT NULL,
    body      TEXT NOT NULL,
    doc       tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('simple', name), 'A') || setweight(to_tsvector('simple', body), 'B')
    ) STORED,
    PRIMARY KEY (answer_id, language, kind)
);
CREATE INDEX answer_search_doc ON answer_search USING GIN (doc);

-- The words the answers hold, so that a search can correct a misspelt word.
CREATE TABLE answer_word (
    word      TEXT COLLATE "C" NOT NULL,
    answer_id TEXT NOT NULL,
    PRIMARY KEY (word, answer_id)
);
CREATE INDEX answer_word_answer ON answer_word (answer_id);
