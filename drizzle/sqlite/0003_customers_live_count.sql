-- The number of live (not deleted) customers, kept exact by triggers in the
-- writing transaction, so the unfiltered list's `total` is one row read instead
-- of a count over every customer.
CREATE TABLE `customers_live_count` (`id` integer PRIMARY KEY CHECK (`id` = 1), `n` integer NOT NULL);
--> statement-breakpoint
INSERT INTO `customers_live_count` (`id`, `n`) SELECT 1, count(*) FROM `customers` WHERE `deleted_at` IS NULL;
--> statement-breakpoint
CREATE TRIGGER `customers_live_count_insert` AFTER INSERT ON `customers` WHEN new.`deleted_at` IS NULL BEGIN
  UPDATE `customers_live_count` SET `n` = `n` + 1 WHERE `id` = 1;
END;
--> statement-breakpoint
CREATE TRIGGER `customers_live_count_update` AFTER UPDATE OF `deleted_at` ON `customers`
WHEN (old.`deleted_at` IS NULL) <> (new.`deleted_at` IS NULL) BEGIN
  UPDATE `customers_live_count` SET `n` = `n` + (CASE WHEN new.`deleted_at` IS NULL THEN 1 ELSE -1 END) WHERE `id` = 1;
END;
--> statement-breakpoint
CREATE TRIGGER `customers_live_count_delete` AFTER DELETE ON `customers` WHEN old.`deleted_at` IS NULL BEGIN
  UPDATE `customers_live_count` SET `n` = `n` - 1 WHERE `id` = 1;
END;
