CREATE TABLE "favorites" (
	"user_id" uuid NOT NULL,
	"listing_id" uuid NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "favorites_user_id_listing_id_pk" PRIMARY KEY("user_id","listing_id")
);
--> statement-breakpoint
CREATE TABLE "listing_photos" (
	"id" uuid PRIMARY KEY NOT NULL,
	"listing_id" uuid NOT NULL,
	"key" text NOT NULL,
	"content_type" text NOT NULL,
	"width" integer NOT NULL,
	"height" integer NOT NULL,
	"position" integer NOT NULL,
	"is_primary" boolean DEFAULT false NOT NULL,
	"alt" text,
	"variants" jsonb,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "listings" (
	"id" uuid PRIMARY KEY NOT NULL,
	"owner_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"purpose" text NOT NULL,
	"rent_period" text,
	"title" text NOT NULL,
	"description" text NOT NULL,
	"price_amount" bigint NOT NULL,
	"price_currency" text NOT NULL,
	"address" text,
	"city" text NOT NULL,
	"region" text,
	"country_code" text NOT NULL,
	"postal_code" text,
	"lat" double precision NOT NULL,
	"lng" double precision NOT NULL,
	"status" text DEFAULT 'draft' NOT NULL,
	"featured_until" timestamp (3) with time zone,
	"published_at" timestamp (3) with time zone,
	"property_type" text,
	"bedrooms" smallint,
	"bathrooms" double precision,
	"floor_area_m2" double precision,
	"lot_size_m2" double precision,
	"year_built" smallint,
	"floor" smallint,
	"parking_spaces" smallint,
	"furnished" boolean,
	"features" text[],
	"amenities" text[],
	"vehicle_category" text,
	"make" text,
	"model" text,
	"trim" text,
	"year" smallint,
	"mileage_km" integer,
	"fuel" text,
	"transmission" text,
	"body_type" text,
	"color" text,
	"condition" text,
	"engine_cc" integer,
	"vin" text,
	"search" "tsvector" GENERATED ALWAYS AS (
          setweight(to_tsvector('simple', "listings"."title" || ' ' || coalesce("listings"."make", '') || ' ' || coalesce("listings"."model", '')), 'A') ||
          setweight(to_tsvector('simple', "listings"."description"), 'B') ||
          setweight(to_tsvector('simple', coalesce("listings"."address", '') || ' ' || "listings"."city" || ' ' || coalesce("listings"."region", '')), 'C')) STORED NOT NULL,
	"place" "earth" GENERATED ALWAYS AS (earth_position("listings"."lat", "listings"."lng")) STORED NOT NULL,
	"search_text" text GENERATED ALWAYS AS (lower("listings"."title" || ' ' || coalesce("listings"."make", '') || ' ' || coalesce("listings"."model", '') || ' ' || "listings"."city")) STORED NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "listings_rent_period" CHECK (("listings"."purpose" = 'rent') = ("listings"."rent_period" is not null)),
	CONSTRAINT "listings_price_positive" CHECK ("listings"."price_amount" > 0),
	CONSTRAINT "listings_lat" CHECK ("listings"."lat" between -90 and 90),
	CONSTRAINT "listings_lng" CHECK ("listings"."lng" between -180 and 180)
);
--> statement-breakpoint
ALTER TABLE "favorites" ADD CONSTRAINT "favorites_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "favorites" ADD CONSTRAINT "favorites_listing_id_listings_id_fk" FOREIGN KEY ("listing_id") REFERENCES "public"."listings"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "listing_photos" ADD CONSTRAINT "listing_photos_listing_id_listings_id_fk" FOREIGN KEY ("listing_id") REFERENCES "public"."listings"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "listings" ADD CONSTRAINT "listings_owner_id_users_id_fk" FOREIGN KEY ("owner_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "favorites_user_created" ON "favorites" USING btree ("user_id","created_at","listing_id");--> statement-breakpoint
CREATE INDEX "favorites_listing" ON "favorites" USING btree ("listing_id");--> statement-breakpoint
CREATE INDEX "listing_photos_listing" ON "listing_photos" USING btree ("listing_id","position");--> statement-breakpoint
CREATE UNIQUE INDEX "listing_photos_one_primary" ON "listing_photos" USING btree ("listing_id") WHERE "listing_photos"."is_primary";--> statement-breakpoint
CREATE INDEX "listings_owner" ON "listings" USING btree ("owner_id","created_at","id");--> statement-breakpoint
CREATE INDEX "listings_public_newest" ON "listings" USING btree (("featured_until" is not null),"published_at","id") WHERE "listings"."status" in ('active', 'under_offer');--> statement-breakpoint
CREATE INDEX "listings_public_price_desc" ON "listings" USING btree (("featured_until" is not null),"price_amount","id") WHERE "listings"."status" in ('active', 'under_offer');--> statement-breakpoint
CREATE INDEX "listings_public_price_asc" ON "listings" USING btree (("featured_until" is not null) desc,"price_amount","id") WHERE "listings"."status" in ('active', 'under_offer');--> statement-breakpoint
CREATE INDEX "listings_public_city_newest" ON "listings" USING btree (lower("city"),("featured_until" is not null),"published_at","id") WHERE "listings"."status" in ('active', 'under_offer');--> statement-breakpoint
CREATE INDEX "listings_public_make" ON "listings" USING btree (lower("make"),lower("model")) WHERE "listings"."status" in ('active', 'under_offer');--> statement-breakpoint
CREATE INDEX "listings_search" ON "listings" USING gin ("search");--> statement-breakpoint
CREATE INDEX "listings_search_trgm" ON "listings" USING gin ("search_text" gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "listings_features" ON "listings" USING gin ("features");--> statement-breakpoint
CREATE INDEX "listings_earth" ON "listings" USING gist ("place");--> statement-breakpoint
CREATE INDEX "listings_point" ON "listings" USING gist (point("lng", "lat"));