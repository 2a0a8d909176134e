CREATE TABLE "categories" (
	"id" uuid PRIMARY KEY NOT NULL,
	"parent_id" uuid,
	"name" text NOT NULL,
	"slug" text NOT NULL,
	"position" integer DEFAULT 0 NOT NULL,
	"icon" text,
	"path" uuid[] NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "product_images" (
	"id" uuid PRIMARY KEY NOT NULL,
	"product_id" uuid NOT NULL,
	"key" text NOT NULL,
	"content_type" text NOT NULL,
	"width" integer NOT NULL,
	"height" integer NOT NULL,
	"position" integer NOT NULL,
	"alt" text,
	"variants" jsonb,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "product_variants" (
	"id" uuid PRIMARY KEY NOT NULL,
	"product_id" uuid NOT NULL,
	"shop_id" uuid NOT NULL,
	"sku" text NOT NULL,
	"price_amount" bigint NOT NULL,
	"compare_at_amount" bigint,
	"stock" integer DEFAULT 0 NOT NULL,
	"options" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"weight_g" integer,
	"position" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "product_variants_price_positive" CHECK ("product_variants"."price_amount" > 0),
	CONSTRAINT "product_variants_compare_at" CHECK ("product_variants"."compare_at_amount" is null or "product_variants"."compare_at_amount" > "product_variants"."price_amount"),
	CONSTRAINT "product_variants_stock" CHECK ("product_variants"."stock" >= 0),
	CONSTRAINT "product_variants_weight" CHECK ("product_variants"."weight_g" is null or "product_variants"."weight_g" >= 0)
);
--> statement-breakpoint
CREATE TABLE "products" (
	"id" uuid PRIMARY KEY NOT NULL,
	"shop_id" uuid NOT NULL,
	"category_id" uuid NOT NULL,
	"title" text NOT NULL,
	"description" text NOT NULL,
	"status" text DEFAULT 'draft' NOT NULL,
	"options" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"currency" text NOT NULL,
	"price_amount" bigint NOT NULL,
	"published_at" timestamp (3) with time zone,
	"disabled_at" timestamp (3) with time zone,
	"disabled_reason" text,
	"shop_active" boolean DEFAULT false NOT NULL,
	"shop_name" text NOT NULL,
	"category_names" text NOT NULL,
	"average_rating" double precision DEFAULT 0 NOT NULL,
	"rating_count" integer DEFAULT 0 NOT NULL,
	"sold_count" integer DEFAULT 0 NOT NULL,
	"visible" boolean GENERATED ALWAYS AS ("products"."status" = 'active' and "products"."disabled_at" is null and "products"."shop_active") STORED NOT NULL,
	"search" "tsvector" GENERATED ALWAYS AS (
          setweight(to_tsvector('simple', "products"."title"), 'A') ||
          setweight(to_tsvector('simple', "products"."category_names" || ' ' || "products"."shop_name"), 'B') ||
          setweight(to_tsvector('simple', "products"."description"), 'C')) STORED NOT NULL,
	"search_text" text GENERATED ALWAYS AS (lower("products"."title" || ' ' || "products"."category_names" || ' ' || "products"."shop_name")) STORED NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "products_price_positive" CHECK ("products"."price_amount" > 0),
	CONSTRAINT "products_rating" CHECK ("products"."average_rating" between 0 and 5)
);
--> statement-breakpoint
CREATE TABLE "shops" (
	"id" uuid PRIMARY KEY NOT NULL,
	"owner_id" uuid NOT NULL,
	"name" text NOT NULL,
	"slug" text NOT NULL,
	"description" text,
	"logo_key" text,
	"banner_key" text,
	"contact_email" text,
	"contact_phone" text,
	"return_policy" text,
	"currency" text NOT NULL,
	"shipping_flat_fee" bigint DEFAULT 0 NOT NULL,
	"shipping_free_over" bigint,
	"status" text DEFAULT 'pending' NOT NULL,
	"status_reason" text,
	"approved_at" timestamp (3) with time zone,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "shops_flat_fee" CHECK ("shops"."shipping_flat_fee" >= 0),
	CONSTRAINT "shops_free_over" CHECK ("shops"."shipping_free_over" is null or "shops"."shipping_free_over" > 0)
);
--> statement-breakpoint
ALTER TABLE "categories" ADD CONSTRAINT "categories_parent_id_categories_id_fk" FOREIGN KEY ("parent_id") REFERENCES "public"."categories"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "product_images" ADD CONSTRAINT "product_images_product_id_products_id_fk" FOREIGN KEY ("product_id") REFERENCES "public"."products"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "product_variants" ADD CONSTRAINT "product_variants_product_id_products_id_fk" FOREIGN KEY ("product_id") REFERENCES "public"."products"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "product_variants" ADD CONSTRAINT "product_variants_shop_id_shops_id_fk" FOREIGN KEY ("shop_id") REFERENCES "public"."shops"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "products" ADD CONSTRAINT "products_shop_id_shops_id_fk" FOREIGN KEY ("shop_id") REFERENCES "public"."shops"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "products" ADD CONSTRAINT "products_category_id_categories_id_fk" FOREIGN KEY ("category_id") REFERENCES "public"."categories"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "shops" ADD CONSTRAINT "shops_owner_id_users_id_fk" FOREIGN KEY ("owner_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "categories_slug" ON "categories" USING btree ("slug");--> statement-breakpoint
CREATE INDEX "categories_parent" ON "categories" USING btree ("parent_id","position");--> statement-breakpoint
CREATE INDEX "categories_path" ON "categories" USING gin ("path");--> statement-breakpoint
CREATE INDEX "product_images_product" ON "product_images" USING btree ("product_id","position");--> statement-breakpoint
CREATE UNIQUE INDEX "product_variants_sku" ON "product_variants" USING btree ("shop_id",lower("sku"));--> statement-breakpoint
CREATE UNIQUE INDEX "product_variants_options" ON "product_variants" USING btree ("product_id","options");--> statement-breakpoint
CREATE INDEX "product_variants_product" ON "product_variants" USING btree ("product_id","position");--> statement-breakpoint
CREATE INDEX "product_variants_in_stock" ON "product_variants" USING btree ("product_id") WHERE "product_variants"."stock" > 0;--> statement-breakpoint
CREATE INDEX "products_shop_created" ON "products" USING btree ("shop_id","created_at","id");--> statement-breakpoint
CREATE INDEX "products_status_created" ON "products" USING btree ("status","created_at","id");--> statement-breakpoint
CREATE INDEX "products_created" ON "products" USING btree ("created_at","id");--> statement-breakpoint
CREATE INDEX "products_visible_newest" ON "products" USING btree ("published_at","id") WHERE "products"."visible";--> statement-breakpoint
CREATE INDEX "products_visible_price" ON "products" USING btree ("price_amount","id") WHERE "products"."visible";--> statement-breakpoint
CREATE INDEX "products_visible_rating" ON "products" USING btree ("average_rating","rating_count","id") WHERE "products"."visible";--> statement-breakpoint
CREATE INDEX "products_visible_sold" ON "products" USING btree ("sold_count","id") WHERE "products"."visible";--> statement-breakpoint
CREATE INDEX "products_visible_category" ON "products" USING btree ("category_id","published_at","id") WHERE "products"."visible";--> statement-breakpoint
CREATE INDEX "products_visible_shop" ON "products" USING btree ("shop_id","published_at","id") WHERE "products"."visible";--> statement-breakpoint
CREATE INDEX "products_search" ON "products" USING gin ("search");--> statement-breakpoint
CREATE INDEX "products_search_trgm" ON "products" USING gin ("search_text" gin_trgm_ops);--> statement-breakpoint
CREATE UNIQUE INDEX "shops_owner" ON "shops" USING btree ("owner_id");--> statement-breakpoint
CREATE UNIQUE INDEX "shops_slug" ON "shops" USING btree ("slug");--> statement-breakpoint
CREATE INDEX "shops_status_created" ON "shops" USING btree ("status","created_at","id");