CREATE TABLE "dev_outbox" (
	"id" uuid PRIMARY KEY NOT NULL,
	"channel" text NOT NULL,
	"recipient" text NOT NULL,
	"subject" text,
	"body" text NOT NULL,
	"html" text,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "dev_outbox_newest" ON "dev_outbox" USING btree ("created_at","id");--> statement-breakpoint
CREATE INDEX "dev_outbox_recipient_newest" ON "dev_outbox" USING btree ("recipient","created_at","id");