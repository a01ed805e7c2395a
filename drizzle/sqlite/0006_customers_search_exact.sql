-- The FTS5 trigram table compares characters exactly (case_sensitive=1):
-- search_text and search terms are both lower-cased by the server, and with
-- SQLite's own case folding on top some characters matched others (ſ matched s)
-- where PostgreSQL's LIKE did not. Same name, so the triggers of
-- 0002_customers_search keep writing to it.
DROP TABLE `customers_fts`;
--> statement-breakpoint
CREATE VIRTUAL TABLE `customers_fts` USING fts5(search_text, content='', contentless_delete=1, tokenize='trigram case_sensitive 1');
--> statement-breakpoint
INSERT INTO `customers_fts`(rowid, search_text) SELECT `id`, `search_text` FROM `customers` WHERE `deleted_at` IS NULL;
