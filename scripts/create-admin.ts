import { createInterface } from 'node:readline/promises';
import { Writable } from 'node:stream';
import { ensureAdmin } from '../src/modules/identity/bootstrap-admin.ts';
import { Email } from '../src/modules/identity/schemas.ts';
import { modules } from '../src/modules/index.ts';
import { assemble, loggerFor, openConfiguredDatabase } from '../src/runtimes/bootstrap.ts';
import { progress, runCli, UsageError } from './backup-support.ts';

const USAGE = `Usage: scripts/create-admin --email EMAIL --password PASSWORD [--name NAME]

Creates a verified admin (roles buyer and admin) in the configured database (DATABASE_URL, or
the embedded one under DATA_DIR, which must be migrated). An account that already has the
email is given the admin role and keeps its password. On a terminal, asks for what is missing.
The embedded database cannot be opened while a server holds it: stop the server first, or set
ADMIN_EMAIL and ADMIN_PASSWORD and let the server create the admin when it starts.

Options:
  --email EMAIL        the admin's email address
  --password PASSWORD  at least 10 characters, not one of the most common passwords
  --name NAME          the admin's full name (default: Administrator)
  -h, --help           show this help`;

/** Asks on the terminal (stderr, so stdout stays the result); a hidden answer is not echoed. */
async function ask(question: string, hidden = false): Promise<string> {
  let muted = false;
  const output = new Writable({
    write(chunk, _encoding, done) {
      if (!muted) process.stderr.write(chunk);
      done();
    },
  });
  const terminal = createInterface({ input: process.stdin, output, terminal: true });
  try {
    const answer = terminal.question(question);
    muted = hidden;
    return await answer;
  } finally {
    terminal.close();
    if (hidden) process.stderr.write('\n');
  }
}

async function askPassword(): Promise<string> {
  const password = await ask('Password: ', true);
  if ((await ask('Password again: ', true)) !== password) {
    throw new UsageError('the two passwords differ');
  }
  return password;
}

const NOTES = {
  created: 'created the admin account',
  promoted: 'the account existed: granted it the admin role; its password is unchanged',
  unchanged: 'the account was an admin already; its password is unchanged',
} as const;

/** PostgreSQL's undefined_table: the migrations have not run on this database. */
const isUnmigrated = (error: unknown) =>
  (error as { cause?: { code?: string } }).cause?.code === '42P01';

await runCli(
  USAGE,
  { email: { type: 'string' }, password: { type: 'string' }, name: { type: 'string' } },
  async (args, config) => {
    if (args.positionals.length > 0) {
      throw new UsageError(`unexpected argument: ${args.positionals[0]}\n\n${USAGE}`);
    }
    const values = args.values as { email?: string; password?: string; name?: string };
    const interactive = Boolean(process.stdin.isTTY && process.stderr.isTTY);
    if (!interactive && (values.email === undefined || values.password === undefined)) {
      throw new UsageError(`--email and --password are required without a terminal\n\n${USAGE}`);
    }
    const parsed = Email.safeParse(values.email ?? (await ask('Email: ')).trim());
    if (!parsed.success) throw new UsageError('--email: expected an email address');
    const email = parsed.data;
    const password = values.password ?? (await askPassword());
    const fullName = values.name?.trim();
    if (fullName !== undefined && (fullName.length === 0 || fullName.length > 120)) {
      throw new UsageError('--name: expected 1 to 120 characters');
    }

    const log = loggerFor(config);
    const database = await openConfiguredDatabase(config);
    const parts = assemble({ config, log, database, modules });
    try {
      const { outcome } = await ensureAdmin(parts.ctx('create-admin'), {
        email,
        password,
        fullName,
      });
      progress(NOTES[outcome]);
      process.stdout.write(`admin ready: ${email}\n`);
    } catch (error) {
      if (isUnmigrated(error)) {
        throw new Error(
          'the database has no tables yet: apply the migrations first (make migrate)',
        );
      }
      throw error;
    } finally {
      await parts.close();
    }
  },
);
