CREATE TABLE `login_challenges` (
	`token_hash` text PRIMARY KEY NOT NULL,
	`user_id` integer NOT NULL,
	`ip` text,
	`user_agent` text,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	`expires_at` integer NOT NULL,
	`used_at` integer,
	FOREIGN KEY (`user_id`) REFERENCES `api_users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `login_challenges_user_idx` ON `login_challenges` (`user_id`);--> statement-breakpoint
CREATE TABLE `password_reset_tokens` (
	`token_hash` text PRIMARY KEY NOT NULL,
	`user_id` integer NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	`expires_at` integer NOT NULL,
	`used_at` integer,
	FOREIGN KEY (`user_id`) REFERENCES `api_users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `password_reset_tokens_user_idx` ON `password_reset_tokens` (`user_id`);--> statement-breakpoint
CREATE TABLE `recovery_codes` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`user_id` integer NOT NULL,
	`code_hash` text NOT NULL,
	`used_at` integer,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `api_users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `recovery_codes_user_idx` ON `recovery_codes` (`user_id`);--> statement-breakpoint
ALTER TABLE `audit_log` ADD `count` integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE `auth_sessions` ADD `last_used_at` integer;--> statement-breakpoint
ALTER TABLE `auth_sessions` ADD `ip` text;--> statement-breakpoint
ALTER TABLE `auth_sessions` ADD `user_agent` text;--> statement-breakpoint
ALTER TABLE `auth_sessions` ADD `refresh_generation` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `communications` ADD `peer_address` text;--> statement-breakpoint
ALTER TABLE `communications` ADD `read_at` integer;--> statement-breakpoint
CREATE INDEX `communications_peer_idx` ON `communications` (`type`,`peer_address`,`created_at`);--> statement-breakpoint
ALTER TABLE `customers` ADD `address_line1` text;--> statement-breakpoint
ALTER TABLE `customers` ADD `address_line2` text;--> statement-breakpoint
ALTER TABLE `customers` ADD `city` text;--> statement-breakpoint
ALTER TABLE `customers` ADD `state` text;--> statement-breakpoint
ALTER TABLE `customers` ADD `postal_code` text;--> statement-breakpoint
ALTER TABLE `customers` ADD `customer_type` text;--> statement-breakpoint
ALTER TABLE `customers` ADD `prospect_stage` text;--> statement-breakpoint
ALTER TABLE `customers` ADD `lead_source` text;--> statement-breakpoint
ALTER TABLE `customers` ADD `estimated_value` real;--> statement-breakpoint
ALTER TABLE `customers` ADD `assigned_sales_rep` text;--> statement-breakpoint
ALTER TABLE `customers` ADD `next_follow_up_date` text;--> statement-breakpoint
ALTER TABLE `customers` ADD `lead_notes` text;--> statement-breakpoint
ALTER TABLE `customers` ADD `extra_fields` text;--> statement-breakpoint
ALTER TABLE `customers` ADD `is_archived` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `api_users` ADD `first_name` text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE `api_users` ADD `last_name` text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE `api_users` ADD `last_login_at` integer;--> statement-breakpoint
ALTER TABLE `api_users` ADD `totp_secret` text;--> statement-breakpoint
ALTER TABLE `api_users` ADD `totp_enabled_at` integer;--> statement-breakpoint
ALTER TABLE `api_users` ADD `totp_last_step` integer;--> statement-breakpoint
-- Backfills: the conversation key of existing messages, and first/last names split from full names.
UPDATE `communications` SET `peer_address` = CASE WHEN `direction` = 'inbound' THEN `from_address` ELSE `to_address` END;--> statement-breakpoint
UPDATE `api_users` SET
  `first_name` = CASE WHEN instr(trim(`full_name`), ' ') > 0 THEN substr(trim(`full_name`), 1, instr(trim(`full_name`), ' ') - 1) ELSE trim(`full_name`) END,
  `last_name` = CASE WHEN instr(trim(`full_name`), ' ') > 0 THEN trim(substr(trim(`full_name`), instr(trim(`full_name`), ' ') + 1)) ELSE '' END;
