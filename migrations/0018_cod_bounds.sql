ALTER TABLE "orders" ADD COLUMN "confirm_by" timestamp (3) with time zone;--> statement-breakpoint
CREATE INDEX "orders_confirm_by" ON "orders" USING btree ("confirm_by") WHERE "orders"."status" = 'placed';--> statement-breakpoint
-- Orders placed before this release get the default ORDER_CONFIRM_HOURS from their placing.
UPDATE "orders" SET "confirm_by" = "created_at" + interval '48 hours' WHERE "status" = 'placed';
