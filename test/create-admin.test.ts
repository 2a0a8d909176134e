import { afterAll, describe, expect, it } from 'vitest';
import { run, runNode, type Server, startServer, tempDir } from './processes.ts';

const createAdmin = (args: string[], env: Record<string, string>) =>
  run('scripts/create-admin', args, env);

const PASSWORD = 'an admin passphrase of some length';

/** Signs in over HTTP and lists users with the token: what only a moderator or admin may do. */
async function listUsersAs(server: Server, email: string, password: string): Promise<void> {
  const login = await fetch(`${server.url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  expect(login.status).toBe(200);
  const { accessToken, user } = await login.json();
  expect(user.roles).toContain('admin');
  const res = await fetch(`${server.url}/api/v1/admin/users?q=${encodeURIComponent(email)}`, {
    headers: { Authorization: `Bearer ${accessToken}` },
  });
  expect(res.status).toBe(200);
  const { items } = await res.json();
  expect(items.map((u: { email: string }) => u.email)).toEqual([email]);
}

// Real processes, each opening a database: seconds apiece, more on a busy CI machine.
describe('creating the first admin', { timeout: 90_000 }, () => {
  const servers: Server[] = [];
  afterAll(async () => {
    for (const server of servers) await server.stop('SIGKILL');
  });

  it('scripts/create-admin prints usage with --help and refuses misuse with exit code 2', async () => {
    const help = await createAdmin(['--help'], {});
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: scripts/create-admin --email EMAIL');

    // The test runs it without a terminal, so it cannot ask for what is missing.
    const missing = await createAdmin(['--email', 'admin@example.com'], {});
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--email and --password are required without a terminal');
    expect(missing.stderr).toContain('Usage: scripts/create-admin');

    const notEmail = await createAdmin(['--email', 'admin', '--password', PASSWORD], {});
    expect(notEmail.code).toBe(2);
    expect(notEmail.stderr).toContain('--email: expected an email address');
    const unknown = await createAdmin(['--frobnicate'], {});
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("Unknown option '--frobnicate'");
  });

  it('scripts/create-admin makes an admin who signs in to the server', async () => {
    const dataDir = await tempDir();
    const env = { DATA_DIR: dataDir, LOG_LEVEL: 'warn' };
    const unmigrated = await createAdmin(
      ['--email', 'admin@example.com', '--password', PASSWORD],
      env,
    );
    expect(unmigrated.code).toBe(1);
    expect(unmigrated.stderr).toContain('apply the migrations first (make migrate)');
    expect((await runNode('scripts/migrate.ts', [], env)).code).toBe(0);

    const weak = await createAdmin(['--email', 'admin@example.com', '--password', 'short'], env);
    expect(weak.code).toBe(1);
    expect(weak.stderr).toContain('error: The password needs at least 10 characters.');

    const made = await createAdmin(
      ['--email', 'Admin@Example.com', '--password', PASSWORD, '--name', 'Site Admin'],
      env,
    );
    expect(made.code, made.stderr).toBe(0);
    expect(made.stdout).toBe('admin ready: admin@example.com\n');
    expect(made.stderr).toContain('created the admin account');

    const again = await createAdmin(
      ['--email', 'admin@example.com', '--password', 'a different passphrase'],
      env,
    );
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain('its password is unchanged');

    const server = await startServer({ DATA_DIR: dataDir, SEED_DEMO: 'false' });
    servers.push(server);
    await listUsersAs(server, 'admin@example.com', PASSWORD);

    const busy = await createAdmin(['--email', 'other@example.com', '--password', PASSWORD], env);
    expect(busy.code).toBe(1);
    expect(busy.stderr).toContain(`is in use by process ${server.child.pid}`);
    expect(await server.stop()).toBe(0);
  });

  it('the server creates the admin named by ADMIN_EMAIL and ADMIN_PASSWORD on start', async () => {
    const env = {
      DATA_DIR: await tempDir(),
      MIGRATE_ON_START: 'true',
      SEED_DEMO: 'false',
      ADMIN_EMAIL: 'root@example.com',
      ADMIN_PASSWORD: PASSWORD,
    };
    const server = await startServer(env);
    servers.push(server);
    expect(server.lines).toContainEqual(
      expect.objectContaining({ msg: 'bootstrap admin ready', email: 'root@example.com' }),
    );
    await listUsersAs(server, 'root@example.com', PASSWORD);
    expect(await server.stop()).toBe(0);

    // A restart finds the admin in place, and a changed ADMIN_PASSWORD does not replace theirs.
    const again = await startServer({ ...env, ADMIN_PASSWORD: 'a replaced passphrase' });
    servers.push(again);
    expect(again.lines).toContainEqual(
      expect.objectContaining({ msg: 'bootstrap admin ready', email: 'root@example.com' }),
    );
    await listUsersAs(again, 'root@example.com', PASSWORD);
    expect(await again.stop()).toBe(0);
  });
});
