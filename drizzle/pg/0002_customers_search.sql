-- Substring search over customers.search_text: a pg_trgm GIN index serves
-- `search_text LIKE '%term%'` for live rows. pg_trgm is a trusted extension
-- (PostgreSQL 13+): the database owner may create it without superuser rights.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "customers_search_trgm_idx" ON "customers" USING gin ("search_text" gin_trgm_ops) WHERE "deleted_at" IS NULL;
