-- Customer search reads a narrow copy of the live customers: id, the list
-- filters and search_text, kept in step by triggers in the writing transaction.
-- A search's LIKE recheck and its capped count then read rows of ~70 bytes
-- instead of whole customers (~200 bytes, search_text behind eight other
-- columns), and the pg_trgm GIN index moves here with it.
CREATE TABLE "customers_search" (
	"id" integer PRIMARY KEY NOT NULL,
	"is_archived" boolean NOT NULL,
	"prospect_stage" text,
	"search_text" text NOT NULL
);
--> statement-breakpoint
INSERT INTO "customers_search" ("id", "is_archived", "prospect_stage", "search_text")
SELECT "id", "is_archived", "prospect_stage", "search_text" FROM "customers" WHERE "deleted_at" IS NULL;
--> statement-breakpoint
-- A small pending list (256 kB, default 4 MB): every search scans the list of
-- not-yet-merged inserts in full, so it is kept short.
CREATE INDEX "customers_search_text_idx" ON "customers_search" USING gin ("search_text" gin_trgm_ops) WITH (gin_pending_list_limit = 256);
--> statement-breakpoint
-- Row estimates from the start: by them the planner reads a term's matches through the GIN index or by a scan.
ANALYZE "customers_search";
--> statement-breakpoint
DROP INDEX IF EXISTS "customers_search_trgm_idx";
--> statement-breakpoint
CREATE FUNCTION "customers_search_sync"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'TRUNCATE' THEN
		TRUNCATE "customers_search";
		RETURN NULL;
	END IF;
	IF TG_OP = 'DELETE' THEN
		DELETE FROM "customers_search" WHERE "id" = OLD."id";
		RETURN NULL;
	END IF;
	IF TG_OP = 'UPDATE' THEN
		IF OLD."id" <> NEW."id" OR NEW."deleted_at" IS NOT NULL THEN
			DELETE FROM "customers_search" WHERE "id" = OLD."id";
		END IF;
	END IF;
	IF NEW."deleted_at" IS NULL THEN
		INSERT INTO "customers_search" ("id", "is_archived", "prospect_stage", "search_text")
		VALUES (NEW."id", NEW."is_archived", NEW."prospect_stage", NEW."search_text")
		ON CONFLICT ("id") DO UPDATE SET
			"is_archived" = excluded."is_archived",
			"prospect_stage" = excluded."prospect_stage",
			"search_text" = excluded."search_text";
	END IF;
	RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER "customers_search_insert" AFTER INSERT ON "customers"
FOR EACH ROW EXECUTE FUNCTION "customers_search_sync"();
--> statement-breakpoint
-- Only when something the copy holds changes: most updates (notes, address, tags) skip it.
CREATE TRIGGER "customers_search_update" AFTER UPDATE ON "customers"
FOR EACH ROW WHEN (
	OLD."id" IS DISTINCT FROM NEW."id"
	OR (OLD."deleted_at" IS NULL) <> (NEW."deleted_at" IS NULL)
	OR OLD."is_archived" IS DISTINCT FROM NEW."is_archived"
	OR OLD."prospect_stage" IS DISTINCT FROM NEW."prospect_stage"
	OR OLD."search_text" IS DISTINCT FROM NEW."search_text"
) EXECUTE FUNCTION "customers_search_sync"();
--> statement-breakpoint
CREATE TRIGGER "customers_search_delete" AFTER DELETE ON "customers"
FOR EACH ROW EXECUTE FUNCTION "customers_search_sync"();
--> statement-breakpoint
CREATE TRIGGER "customers_search_truncate" AFTER TRUNCATE ON "customers"
FOR EACH STATEMENT EXECUTE FUNCTION "customers_search_sync"();
