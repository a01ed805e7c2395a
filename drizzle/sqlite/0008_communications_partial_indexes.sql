DROP INDEX `communications_customer_idx`;--> statement-breakpoint
DROP INDEX `communications_user_idx`;--> statement-breakpoint
CREATE INDEX `communications_customer_idx` ON `communications` (`customer_id`,`created_at`) WHERE "communications"."customer_id" IS NOT NULL;--> statement-breakpoint
CREATE INDEX `communications_user_idx` ON `communications` (`user_id`,`created_at`) WHERE "communications"."user_id" IS NOT NULL;