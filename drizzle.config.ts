import { defineConfig } from 'drizzle-kit';

// Generates SQL migrations from the tables; they are committed and applied by `make migrate`.
// Every module and platform service keeps its tables in its own `tables.ts`.
export default defineConfig({
  dialect: 'postgresql',
  schema: ['./src/platform/*/tables.ts', './src/modules/*/tables.ts'],
  out: './migrations',
  casing: 'snake_case',
});
