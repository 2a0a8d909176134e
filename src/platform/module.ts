import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv, Ctx } from './http/context.ts';

/** What a module hands the app: its routes (mounted under /api/v1) and its demo data. */
export interface Module {
  readonly name: string;
  readonly routes?: OpenAPIHono<AppEnv>;
  /** Loads demo data into an empty database; runs inside the seeding transaction. */
  readonly seed?: (ctx: Ctx) => Promise<void>;
}
