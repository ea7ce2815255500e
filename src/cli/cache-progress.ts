/** Where progress goes: process.stderr, or a fake in tests. */
export interface ProgressSink {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface ProgressOptions {
  /** Prefix of every line, e.g. "import". */
  label: string;
  /** Units expected in all, or null when unknown (stdin). */
  total: number | null;
  /** What is counted, e.g. "lines". */
  unit: string;
  sink?: ProgressSink;
  /** ms; defaults to performance.now(). */
  now?: () => number;
  /** Least time between two updates, ms: 200 on a terminal, 2000 otherwise (log files). */
  intervalMs?: number;
}

function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

const int = (n: number): string => n.toLocaleString('en-US');

/** One updating status line (\r) on a terminal, plain lines otherwise; rate and ETA from the
 * average since start. Updates are throttled, so update() may be called for every unit. */
export class Progress {
  private readonly sink: ProgressSink;
  private readonly tty: boolean;
  private readonly now: () => number;
  private readonly interval: number;
  private readonly t0: number;
  private last: number;
  /** A status line is on screen (terminal) / any status line was printed (otherwise). */
  private shown = false;

  constructor(private readonly opts: ProgressOptions) {
    this.sink = opts.sink ?? process.stderr;
    this.tty = this.sink.isTTY === true;
    this.now = opts.now ?? (() => performance.now());
    this.interval = opts.intervalMs ?? (this.tty ? 200 : 2000);
    this.t0 = this.now();
    // A terminal shows the status at once; a log gets its first line after one interval.
    this.last = this.tty ? -Infinity : this.t0;
  }

  /** `done` units so far; `note` is appended (e.g. "3 bad"). */
  update(done: number, note = ''): void {
    const t = this.now();
    if (t - this.last < this.interval) return;
    this.last = t;
    this.render(done, note, t);
  }

  /** Writes the last state and ends the status line (in a log only when it had progress lines). */
  finish(done: number, note = ''): void {
    if (!this.tty && !this.shown) return;
    this.render(done, note, this.now());
    if (this.tty) this.sink.write('\n');
    this.shown = false;
  }

  /** Prints a message line; on a terminal the status line is cleared first and redrawn at the next update. */
  message(text: string): void {
    if (this.tty) {
      if (this.shown) this.sink.write('\r\x1b[K');
      this.shown = false;
      this.last = -Infinity;
    }
    this.sink.write(`${text}\n`);
  }

  private line(done: number, note: string, t: number): string {
    const seconds = (t - this.t0) / 1000;
    const rate = seconds > 0 ? done / seconds : 0;
    const { total, unit, label } = this.opts;
    const parts = [total === null ? `${int(done)} ${unit}` : `${int(done)}/${int(total)} ${unit} (${total === 0 ? 100 : Math.floor((done / total) * 100)}%)`];
    parts.push(`${int(Math.round(rate))}/s`);
    if (total !== null && done < total) parts.push(`ETA ${rate > 0 ? duration((total - done) / rate) : '?'}`);
    else parts.push(`${duration(seconds)} elapsed`);
    if (note !== '') parts.push(note);
    return `${label}: ${parts.join(', ')}`;
  }

  private render(done: number, note: string, t: number): void {
    const text = this.line(done, note, t);
    if (this.tty) this.sink.write(`\r\x1b[K${text}`);
    else this.sink.write(`${text}\n`);
    this.shown = true;
  }
}
