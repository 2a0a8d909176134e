ALTER TABLE "users" ADD COLUMN "suspended_by_admin" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "shops" ADD COLUMN "suspended_by_admin" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "shops" ADD COLUMN "pending_name" text;--> statement-breakpoint
ALTER TABLE "shops" ADD COLUMN "pending_slug" text;--> statement-breakpoint
CREATE UNIQUE INDEX "shops_pending_slug" ON "shops" USING btree ("pending_slug") WHERE "shops"."pending_slug" is not null;--> statement-breakpoint
-- Who made the suspensions already in force is not recorded: only an admin lifts them.
UPDATE "users" SET "suspended_by_admin" = true WHERE "status" = 'suspended';--> statement-breakpoint
UPDATE "shops" SET "suspended_by_admin" = true WHERE "status" = 'suspended';
