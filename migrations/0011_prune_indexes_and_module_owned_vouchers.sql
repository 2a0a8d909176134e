ALTER TABLE "voucher_redemptions" DROP CONSTRAINT "voucher_redemptions_order_id_orders_id_fk";
--> statement-breakpoint
CREATE INDEX "outbox_events_dispatched" ON "outbox_events" USING btree ("dispatched_at") WHERE dispatched_at is not null;--> statement-breakpoint
CREATE INDEX "processed_events_processed" ON "processed_events" USING btree ("processed_at");--> statement-breakpoint
CREATE INDEX "idempotency_keys_created" ON "idempotency_keys" USING btree ("created_at");--> statement-breakpoint
ALTER TABLE "idempotency_keys" DROP COLUMN "status";