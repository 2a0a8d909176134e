import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import type { TestProject } from 'vitest/node';
import { openPglite } from '../src/platform/db/pglite.ts';
import { openPostgres } from '../src/platform/db/postgres.ts';
import { MIGRATIONS_DIR } from '../src/runtimes/bootstrap.ts';
import { databaseUrlFor, type TestDatabaseSource } from './databases.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    testDatabase: TestDatabaseSource;
  }
}

/**
 * Migrates one template database per run; every test file then starts from a copy of it
 * (test/databases.ts). On PGlite the template is a data-dir tarball; on a server it is a
 * database used as `CREATE DATABASE ... TEMPLATE`.
 */
export default async function setup(project: TestProject) {
  const runId = `${Date.now().toString(36)}${process.pid.toString(36)}`;
  const adminUrl = process.env.TEST_DATABASE_URL;

  if (!adminUrl) {
    const template = await openPglite();
    await template.migrate(MIGRATIONS_DIR);
    const tarball = join(tmpdir(), `mercato-test-${runId}.tar`);
    await writeFile(
      tarball,
      Buffer.from(await (await template.client.dumpDataDir('none')).arrayBuffer()),
    );
    await template.close();
    project.provide('testDatabase', { kind: 'pglite', tarball });
    return;
  }

  const templateName = `mercato_test_${runId}_template`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE DATABASE "${templateName}"`);
  const template = await openPostgres(databaseUrlFor(adminUrl, templateName), 1);
  await template.migrate(MIGRATIONS_DIR);
  await template.close();
  project.provide('testDatabase', { kind: 'postgres', adminUrl, templateName, runId });

  return async () => {
    const left = await admin<{ datname: string }[]>`
      SELECT datname FROM pg_database WHERE datname LIKE ${`mercato_test_${runId}_%`}`;
    for (const { datname } of left)
      await admin.unsafe(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    await admin.end();
  };
}
