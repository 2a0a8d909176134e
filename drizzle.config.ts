import { defineConfig } from 'drizzle-kit';

// Generates SQL migrations from the tables; they are committed and applied by `make migrate`.
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/platform/db/schema.ts',
  out: './migrations',
  casing: 'snake_case',
});
