CREATE TABLE "event_handlers" (
	"handler" text PRIMARY KEY NOT NULL,
	"event_name" text NOT NULL,
	"seen_at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
CREATE INDEX "event_handlers_event" ON "event_handlers" USING btree ("event_name","seen_at");