import { readFile } from 'node:fs/promises';
import postgres from 'postgres';
import { v7 as uuidv7 } from 'uuid';
import { inject } from 'vitest';
import type { Database } from '../src/platform/db/client.ts';
import { openPglite } from '../src/platform/db/pglite.ts';
import { openPostgres } from '../src/platform/db/postgres.ts';

export type TestDatabaseSource =
  | { kind: 'pglite'; tarball: string }
  | { kind: 'postgres'; adminUrl: string; templateName: string; runId: string };

export function databaseUrlFor(serverUrl: string, name: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** A freshly migrated database of its own, for one test file; close() removes it. */
export async function createTestDatabase(): Promise<Database> {
  const source = inject('testDatabase');
  if (source.kind === 'pglite') {
    return openPglite({ loadDataDir: new Blob([await readFile(source.tarball)]) });
  }
  const name = `mercato_test_${source.runId}_${uuidv7().replaceAll('-', '').slice(-12)}`;
  const admin = postgres(source.adminUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`CREATE DATABASE "${name}" TEMPLATE "${source.templateName}"`);
  } finally {
    await admin.end();
  }
  const database = await openPostgres(databaseUrlFor(source.adminUrl, name), 10);
  return {
    ...database,
    close: async () => {
      await database.close();
      const dropper = postgres(source.adminUrl, { max: 1, onnotice: () => {} });
      await dropper.unsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await dropper.end();
    },
  };
}
