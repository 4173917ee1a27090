-- The words the desktop's search box finds a customer by (GET /api/v1/search):
-- name words, email addresses and phone digits, lower-cased, matched by prefix.
-- Rows are written with the customer; this backfill covers profiles saved before.
CREATE TABLE customer_search (
    term        TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    PRIMARY KEY (term, customer_id)
);
CREATE INDEX customer_search_customer ON customer_search (customer_id);

WITH RECURSIVE words (customer_id, word, rest) AS (
    SELECT customer_id, '', lower(trim(name)) || ' ' FROM customer WHERE name IS NOT NULL
    UNION ALL
    SELECT customer_id,
           substr(rest, 1, instr(rest, ' ') - 1),
           ltrim(substr(rest, instr(rest, ' ') + 1))
    FROM words WHERE rest <> ''
)
INSERT OR IGNORE INTO customer_search (term, customer_id)
SELECT word, customer_id FROM words WHERE word <> '';

INSERT OR IGNORE INTO customer_search (term, customer_id)
SELECT lower(trim(name)), customer_id FROM customer WHERE trim(coalesce(name, '')) <> '';

INSERT OR IGNORE INTO customer_search (term, customer_id)
SELECT CASE WHEN kind = 'MOBILE_PHONE' THEN ltrim(value, '+') ELSE lower(value) END, customer_id
FROM customer_identity;
