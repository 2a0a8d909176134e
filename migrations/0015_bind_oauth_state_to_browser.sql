-- Attempts started before this release have no binding: they are ten minutes long at most.
DELETE FROM "oauth_states";--> statement-breakpoint
ALTER TABLE "oauth_states" ADD COLUMN "binding_hash" text NOT NULL;