import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';

/**
 * Runs the project's entry points as real processes, the way make and Docker do. They run
 * from a scratch directory, so a developer's own .env never leaks into a test.
 */

const ROOT = join(import.meta.dirname, '..');
const CWD = tmpdir();

export const tempDir = () => mkdtemp(join(tmpdir(), 'mercato-'));

export async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  return port;
}

/** The environment a child gets: only what the test names, plus PATH and the Redis URL. */
function childEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    LOG_PRETTY: 'false',
    ...(process.env.REDIS_URL
      ? { REDIS_URL: process.env.REDIS_URL, REDIS_PREFIX: `mercato:test:${crypto.randomUUID()}:` }
      : {}),
    ...env,
  };
}

export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

export async function run(
  command: string,
  args: string[],
  env: Record<string, string>,
): Promise<Finished> {
  const executable = isAbsolute(command) ? command : join(ROOT, command);
  const child = spawn(executable, args, { cwd: CWD, env: childEnv(env) });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stdout, stderr };
}

export const runNode = (script: string, args: string[], env: Record<string, string>) =>
  run(process.execPath, [join(ROOT, script), ...args], env);

export interface Server {
  child: ChildProcess;
  url: string;
  /** Every JSON log line so far. */
  lines: Record<string, unknown>[];
  stderr: () => string;
  /** Sends a signal and waits for the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts src/runtimes/node.ts and waits until it says it is listening. */
export async function startServer(env: Record<string, string>): Promise<Server> {
  const port = await freePort();
  const child = spawn(process.execPath, [join(ROOT, 'src/runtimes/node.ts')], {
    cwd: CWD,
    env: childEnv({ PORT: String(port), HOST: '127.0.0.1', ...env }),
  });
  const lines: Record<string, unknown>[] = [];
  let stderr = '';
  let buffered = '';
  child.stderr.on('data', (d) => (stderr += d));
  const listening = new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      buffered += d.toString();
      const parts = buffered.split('\n');
      buffered = parts.pop() ?? '';
      for (const part of parts) {
        const line = JSON.parse(part) as Record<string, unknown>;
        lines.push(line);
        if (typeof line.msg === 'string' && line.msg.startsWith('Mercato is listening')) resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}: ${stderr}`)));
  });
  await listening;
  return {
    child,
    url: `http://127.0.0.1:${port}`,
    lines,
    stderr: () => stderr,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode !== null) return child.exitCode;
      const exited = once(child, 'exit');
      child.kill(signal);
      const [code] = (await exited) as [number | null];
      return code;
    },
  };
}
