-- Full-text search of answers. One row per text of an answer (language and use),
-- its words folded by the application (lower case, no accents, no markup).
CREATE VIRTUAL TABLE answer_search USING fts5(
    answer_id UNINDEXED,
    language UNINDEXED,
    kind UNINDEXED,
    name,
    body,
    tokenize = 'unicode61 remove_diacritics 2'
);

-- The words the answers hold, so that a search can correct a misspelt word.
CREATE TABLE answer_word (
    word      TEXT NOT NULL,
    answer_id TEXT NOT NULL,
    PRIMARY KEY (word, answer_id)
);
CREATE INDEX answer_word_answer ON answer_word (answer_id);
