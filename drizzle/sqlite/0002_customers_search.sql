-- Substring search over customers.search_text: an FTS5 table with the trigram
-- tokenizer holds the live (not deleted) rows; triggers keep it in step.
-- Contentless with contentless_delete: it stores only the index, not a copy of the text.
CREATE VIRTUAL TABLE `customers_fts` USING fts5(search_text, content='', contentless_delete=1, tokenize='trigram');
--> statement-breakpoint
INSERT INTO `customers_fts`(rowid, search_text) SELECT `id`, `search_text` FROM `customers` WHERE `deleted_at` IS NULL;
--> statement-breakpoint
CREATE TRIGGER `customers_fts_insert` AFTER INSERT ON `customers` WHEN new.`deleted_at` IS NULL BEGIN
  INSERT INTO `customers_fts`(rowid, search_text) VALUES (new.`id`, new.`search_text`);
END;
--> statement-breakpoint
CREATE TRIGGER `customers_fts_update` AFTER UPDATE OF `search_text`, `deleted_at` ON `customers` BEGIN
  DELETE FROM `customers_fts` WHERE rowid = old.`id`;
  INSERT INTO `customers_fts`(rowid, search_text) SELECT new.`id`, new.`search_text` WHERE new.`deleted_at` IS NULL;
END;
--> statement-breakpoint
CREATE TRIGGER `customers_fts_delete` AFTER DELETE ON `customers` BEGIN
  DELETE FROM `customers_fts` WHERE rowid = old.`id`;
END;
