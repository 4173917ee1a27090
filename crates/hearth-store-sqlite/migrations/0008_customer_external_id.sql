-- A customer's id in the client's own system: not unique, looked up by
-- GET /customer-profiles?externalCustomerId=.
ALTER TABLE customer ADD COLUMN external_customer_id TEXT;
UPDATE customer SET external_customer_id = json_extract(doc, '$.externalCustomerId');
CREATE INDEX customer_external_id ON customer (external_customer_id, updated_at);
