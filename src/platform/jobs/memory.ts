import {
  checkAttempts,
  checkJobId,
  DEFAULT_ATTEMPTS,
  DEFAULT_BACKOFF_BASE_MS,
  DEFAULT_CONCURRENCY,
  Handlers,
  type Jobs,
  JobsClosed,
  type JobsOptions,
  parseCron,
} from './jobs.ts';

interface Entry {
  id: string;
  name: string;
  /** Kept as JSON, as Redis keeps it, so a handler never shares objects with the enqueuer. */
  json: string;
  attempt: number;
  attempts: number;
  dueAt: number;
  /** Enqueue order, to run jobs due at the same time first in, first out. */
  seq: number;
}

interface Schedule {
  cron: string;
  json: string;
  timer?: NodeJS.Timeout;
}

/** setTimeout's longest delay; a later time is reached in steps of it. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** One process's jobs, for development and tests: they are lost when the process stops. */
export function createMemoryJobs(options: JobsOptions): Jobs {
  const {
    log,
    backoffBaseMs = DEFAULT_BACKOFF_BASE_MS,
    concurrency = DEFAULT_CONCURRENCY,
  } = options;
  const handlers = new Handlers(options.errorTracker);
  /** Waiting and delayed jobs by id; with `running`, the ids a jobId dedupes against. */
  const pending = new Map<string, Entry>();
  const running = new Map<string, Promise<void>>();
  const schedules = new Map<string, Schedule>();
  let timer: NodeJS.Timeout | undefined;
  let seq = 0;
  let started = false;
  let closed = false;

  function wakeIn(delayMs: number) {
    clearTimeout(timer);
    timer = setTimeout(pump, Math.min(Math.max(delayMs, 0), MAX_TIMER_MS));
  }

  /**
   * Starts the due jobs that fit in the concurrency, then sleeps until the next one is due.
   * When every slot is taken it sets no timer: each finishing job pumps again.
   */
  function pump() {
    clearTimeout(timer);
    if (!started || closed) return;
    const now = Date.now();
    const due = [...pending.values()]
      .filter((entry) => entry.dueAt <= now)
      .sort((a, b) => a.dueAt - b.dueAt || a.seq - b.seq);
    for (const entry of due) {
      if (running.size >= concurrency) return;
      pending.delete(entry.id);
      run(entry);
    }
    if (running.size >= concurrency) return;
    let next = Number.POSITIVE_INFINITY;
    for (const entry of pending.values()) next = Math.min(next, entry.dueAt);
    if (next !== Number.POSITIVE_INFINITY) wakeIn(next - now);
  }

  function run(entry: Entry) {
    const { id, name, attempt, attempts } = entry;
    const done = handlers
      .run({ id, name, attempt, attempts, data: JSON.parse(entry.json) }, log)
      .catch(() => {
        if (attempt < attempts) {
          const backoff = backoffBaseMs * 2 ** (attempt - 1);
          pending.set(id, { ...entry, attempt: attempt + 1, dueAt: Date.now() + backoff });
        }
      })
      .finally(() => {
        running.delete(id);
        pump();
      });
    running.set(id, done);
  }

  function add(entry: Omit<Entry, 'seq'>) {
    pending.set(entry.id, { ...entry, seq: seq++ });
    // On a later turn, never inside enqueue: with Redis the job cannot start before it returns.
    if (started) wakeIn(0);
  }

  function armSchedule(name: string, schedule: Schedule, tick: number) {
    const wait = tick - Date.now();
    schedule.timer = setTimeout(
      () => {
        if (wait > MAX_TIMER_MS) return armSchedule(name, schedule, tick);
        // Due at the tick, in case the timer fired a little early.
        const id = crypto.randomUUID();
        add({ id, name, json: schedule.json, attempt: 1, attempts: DEFAULT_ATTEMPTS, dueAt: tick });
        armSchedule(name, schedule, nextTick(name, schedule.cron, tick));
      },
      Math.min(Math.max(wait, 0), MAX_TIMER_MS),
    );
  }

  return {
    register(name, handler) {
      handlers.add(name, handler);
    },

    async enqueue(name, data, opts = {}) {
      if (closed) throw new JobsClosed();
      const { delayMs = 0, attempts = DEFAULT_ATTEMPTS, jobId } = opts;
      checkAttempts(attempts);
      if (jobId !== undefined) {
        checkJobId(jobId);
        if (pending.has(jobId) || running.has(jobId)) return jobId;
      }
      const id = jobId ?? crypto.randomUUID();
      // JSON.stringify(undefined) is undefined; BullMQ reads a job without data as {}.
      const json = JSON.stringify(data) ?? '{}';
      add({ id, name, json, attempt: 1, attempts, dueAt: Date.now() + delayMs });
      return id;
    },

    async schedule(name, cron, data = {}) {
      if (closed) throw new JobsClosed();
      parseCron(name, cron);
      clearTimeout(schedules.get(name)?.timer);
      const schedule: Schedule = { cron, json: JSON.stringify(data) };
      schedules.set(name, schedule);
      if (started) armSchedule(name, schedule, nextTick(name, cron, Date.now()));
    },

    async start() {
      if (closed) throw new JobsClosed();
      if (started) return;
      started = true;
      const now = Date.now();
      for (const [name, schedule] of schedules) {
        armSchedule(name, schedule, nextTick(name, schedule.cron, now));
      }
      wakeIn(0);
    },

    async close() {
      closed = true;
      clearTimeout(timer);
      for (const schedule of schedules.values()) clearTimeout(schedule.timer);
      await Promise.all(running.values());
    },
  };
}

/** The first tick after `after`, or after now if that is later: missed ticks are skipped. */
function nextTick(name: string, cron: string, after: number): number {
  return parseCron(name, cron, new Date(Math.max(after, Date.now())))
    .next()
    .getTime();
}
