-- Trigram similarity (fuzzy search), and cube + earthdistance (radius search by lat/lng).
-- PGlite loads the same three as bundled extensions; the server has them in its contrib package.
CREATE EXTENSION IF NOT EXISTS pg_trgm;--> statement-breakpoint
CREATE EXTENSION IF NOT EXISTS cube;--> statement-breakpoint
CREATE EXTENSION IF NOT EXISTS earthdistance;
