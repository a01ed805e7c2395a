-- The count kept in customers_live_count now covers the customers the default
-- list shows: neither deleted nor archived. Same triggers as before, with
-- archiving (is_archived) counted like deletion.
DROP TRIGGER IF EXISTS `customers_live_count_insert`;
--> statement-breakpoint
DROP TRIGGER IF EXISTS `customers_live_count_update`;
--> statement-breakpoint
DROP TRIGGER IF EXISTS `customers_live_count_delete`;
--> statement-breakpoint
UPDATE `customers_live_count` SET `n` = (SELECT count(*) FROM `customers` WHERE `deleted_at` IS NULL AND `is_archived` = 0) WHERE `id` = 1;
--> statement-breakpoint
CREATE TRIGGER `customers_live_count_insert` AFTER INSERT ON `customers` WHEN new.`deleted_at` IS NULL AND new.`is_archived` = 0 BEGIN
  UPDATE `customers_live_count` SET `n` = `n` + 1 WHERE `id` = 1;
END;
--> statement-breakpoint
CREATE TRIGGER `customers_live_count_update` AFTER UPDATE OF `deleted_at`, `is_archived` ON `customers`
WHEN (old.`deleted_at` IS NULL AND old.`is_archived` = 0) <> (new.`deleted_at` IS NULL AND new.`is_archived` = 0) BEGIN
  UPDATE `customers_live_count` SET `n` = `n` + (CASE WHEN new.`deleted_at` IS NULL AND new.`is_archived` = 0 THEN 1 ELSE -1 END) WHERE `id` = 1;
END;
--> statement-breakpoint
CREATE TRIGGER `customers_live_count_delete` AFTER DELETE ON `customers` WHEN old.`deleted_at` IS NULL AND old.`is_archived` = 0 BEGIN
  UPDATE `customers_live_count` SET `n` = `n` - 1 WHERE `id` = 1;
END;
