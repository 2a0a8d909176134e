/**
 * A progress line on stderr for long loads: redrawn in place (count, rate, ETA) on a terminal,
 * a plain line every few seconds when stderr is a file or a pipe, so logs stay readable.
 */

const TTY_REDRAW_MS = 100;
const LOG_EVERY_MS = 5_000;

const seconds = (s: number) =>
  s < 60
    ? `${Math.ceil(s)} s`
    : `${Math.floor(s / 60)} min ${String(Math.ceil(s % 60)).padStart(2, '0')} s`;

export interface Progress {
  update(done: number): void;
  /** Draws the final count and ends the line. */
  finish(): void;
}

export function progress(
  label: string,
  total: number,
  stream: NodeJS.WriteStream = process.stderr,
): Progress {
  const started = performance.now();
  const every = stream.isTTY ? TTY_REDRAW_MS : LOG_EVERY_MS;
  let drawn = started;
  let done = 0;
  let width = 0;

  function line(): string {
    const elapsed = (performance.now() - started) / 1000;
    const rate = elapsed > 0 ? done / elapsed : 0;
    const percent = total > 0 ? Math.floor((done / total) * 100) : 100;
    const eta = rate > 0 && done < total ? ` · ETA ${seconds((total - done) / rate)}` : '';
    return `${label}: ${done.toLocaleString('en')} / ${total.toLocaleString('en')} (${percent}%) · ${Math.round(rate).toLocaleString('en')}/s${eta}`;
  }

  function draw(last: boolean): void {
    const text = line();
    if (stream.isTTY) {
      stream.write(`\r${text.padEnd(width)}${last ? '\n' : ''}`);
      width = text.length;
    } else {
      stream.write(
        `${text}${last ? ` in ${seconds((performance.now() - started) / 1000)}` : ''}\n`,
      );
    }
  }

  return {
    update(count) {
      done = count;
      const now = performance.now();
      // The last count is finish()'s to draw, with the time taken.
      if (done < total && now - drawn >= every) {
        drawn = now;
        draw(false);
      }
    },
    finish() {
      draw(true);
    },
  };
}
