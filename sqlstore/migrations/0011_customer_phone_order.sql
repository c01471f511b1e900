-- CustomerByPhone takes the oldest customer with a phone number: with number
-- in the index, the lookup and its order are one index read, whatever the
-- size of the workspace (the EXPLAIN test saw PostgreSQL walk every
-- customer by number instead).
DROP INDEX customers_workspace_phone;
CREATE INDEX customers_workspace_phone ON customers (workspace_id, phone, number) WHERE phone <> '';
