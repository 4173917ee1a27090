-- The words the desktop's search box finds a customer by (GET /api/v1/search):
-- name words, email addresses and phone digits, lower-cased, matched by prefix
-- as a byte range, hence COLLATE "C". Rows are written with the customer; this
-- backfill covers profiles saved before.
CREATE TABLE customer_search (
    term        TEXT COLLATE "C" NOT NULL,
    customer_id TEXT NOT NULL,
    PRIMARY KEY (term, customer_id)
);
CREATE INDEX customer_search_customer ON customer_search (customer_id);

INSERT INTO customer_search (term, customer_id)
SELECT DISTINCT word, customer_id
FROM customer, regexp_split_to_table(lower(trim(name)), '\s+') AS word
WHERE name IS NOT NULL AND word <> ''
ON CONFLICT DO NOTHING;

INSERT INTO customer_search (term, customer_id)
SELECT lower(trim(name)), customer_id FROM customer WHERE trim(coalesce(name, '')) <> ''
ON CONFLICT DO NOTHING;

INSERT INTO customer_search (term, customer_id)
SELECT CASE WHEN kind = 'MOBILE_PHONE' THEN ltrim(value, '+') ELSE lower(value) END, customer_id
FROM customer_identity
ON CONFLICT DO NOTHING;
