import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** An output item as the API serves it. */
export type OutputItem = Record<string, unknown> & { id: string; status: 'pass' | 'fail' };

export interface ItemPage {
  data: OutputItem[];
  first_id: string | null;
  last_id: string | null;
  has_more: boolean;
}

export interface PageQuery {
  after?: string;
  limit: number;
  order: 'asc' | 'desc';
  status?: 'pass' | 'fail';
}

/** Items appended are written out in one call once this many bytes wait (or when something is read). */
const WRITE_BATCH_BYTES = 256 * 1024;
/** Items are read back through a window of this many bytes: one read call for a run of neighbours. */
const READ_WINDOW_BYTES = 256 * 1024;

/**
 * A run's output items, spooled to a temporary file as JSON lines: memory holds 17 bytes an item (where it
 * is in the file, and whether it passed), whatever the size of the items, and pages are read back on demand.
 * Writes are batched and reads go through a window, so a run of 100,000 items costs some hundred system
 * calls each way rather than one per item. In the same process, `follow` hands items over as objects,
 * with no trip through the file.
 */
export class OutputItemStore {
  private readonly directory: string;
  private readonly fd: number;
  private readonly prefix: string;
  private offsets = new Float64Array(1024);
  private lengths = new Float64Array(1024);
  private passes = new Uint8Array(1024);
  private size = 0;
  /** Where the next item goes in the file (pending items included). */
  private end = 0;
  /** Serialised items not written yet, and where the first of them goes. */
  private pending: string[] = [];
  private pendingBytes = 0;
  private pendingStart = 0;
  private readonly window = Buffer.allocUnsafe(READ_WINDOW_BYTES);
  private windowStart = 0;
  private windowEnd = 0;
  private readonly followers = new Set<(item: OutputItem) => void>();
  private closed = false;

  constructor(runId: string, directory = process.env.RUNNER_TEMP || tmpdir()) {
    this.directory = mkdtempSync(join(directory, 'evals-gate-'));
    this.fd = openSync(join(this.directory, 'output-items.jsonl'), 'w+');
    this.prefix = `outputitem_${runId.replace(/^evalrun_/, '')}_`;
  }

  get count(): number {
    return this.size;
  }

  /** The id the next item appended gets. */
  nextId(): string {
    return `${this.prefix}${this.size}`;
  }

  append(item: OutputItem): void {
    if (this.closed) return;
    const json = JSON.stringify(item);
    const bytes = Buffer.byteLength(json, 'utf8');
    if (this.size === this.offsets.length) this.grow();
    this.offsets[this.size] = this.end;
    this.lengths[this.size] = bytes;
    this.passes[this.size] = item.status === 'pass' ? 1 : 0;
    this.pending.push(json);
    this.pendingBytes += bytes + 1;
    this.end += bytes + 1;
    this.size++;
    if (this.pendingBytes >= WRITE_BATCH_BYTES) this.flush();
    for (const follower of this.followers) follower(item);
  }

  get(id: string): OutputItem | null {
    const index = this.indexOf(id);
    return index === null ? null : this.read(index, 1);
  }

  /** A cursor page as the API's list endpoints give it. An unknown `after` is an Error (a 400). */
  page(query: PageQuery): ItemPage {
    let index: number;
    const step = query.order === 'asc' ? 1 : -1;
    if (query.after) {
      const after = this.indexOf(query.after);
      if (after === null) throw new Error(`after: no output item ${JSON.stringify(query.after)} in this run.`);
      index = after + step;
    } else {
      index = query.order === 'asc' ? 0 : this.size - 1;
    }
    const data: OutputItem[] = [];
    let hasMore = false;
    for (; index >= 0 && index < this.size; index += step) {
      if (query.status && (this.passes[index] === 1) !== (query.status === 'pass')) continue;
      if (data.length === query.limit) {
        hasMore = true;
        break;
      }
      data.push(this.read(index, step));
    }
    return { data, first_id: data[0]?.id ?? null, last_id: data[data.length - 1]?.id ?? null, has_more: hasMore };
  }

  /**
   * Hands every item to `onItem` in order: those stored so far (read back, in `status` only when given),
   * then each one appended from now on, as the object appended. Returns a function that stops it.
   */
  follow(onItem: (item: OutputItem) => void, status?: 'pass' | 'fail'): () => void {
    const wanted = status === undefined ? onItem : (item: OutputItem) => (item.status === status ? onItem(item) : undefined);
    for (let index = 0; index < this.size; index++) {
      if (status === undefined || (this.passes[index] === 1) === (status === 'pass')) onItem(this.read(index, 1));
    }
    this.followers.add(wanted);
    return () => this.followers.delete(wanted);
  }

  /** Deletes the spool file. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.followers.clear();
    this.pending = [];
    closeSync(this.fd);
    rmSync(this.directory, { recursive: true, force: true });
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    const text = `${this.pending.join('\n')}\n`;
    writeSync(this.fd, text, this.pendingStart, 'utf8');
    this.pending = [];
    this.pendingBytes = 0;
    this.pendingStart = this.end;
  }

  private indexOf(id: string): number | null {
    const digits = id.startsWith(this.prefix) ? id.slice(this.prefix.length) : '';
    // Only the ids this store gave: `_01` or `_1.0` would name item 1 under another id.
    if (!/^(0|[1-9]\d*)$/.test(digits)) return null;
    const index = Number(digits);
    return Number.isInteger(index) && index >= 0 && index < this.size ? index : null;
  }

  /** Item `index`, through the window; `step` says which way the reader goes, so the window looks ahead. */
  private read(index: number, step: number): OutputItem {
    const offset = this.offsets[index] ?? 0;
    const length = this.lengths[index] ?? 0;
    if (offset < this.windowStart || offset + length > this.windowEnd) {
      this.flush();
      if (length > this.window.length) {
        const buffer = Buffer.allocUnsafe(length);
        readSync(this.fd, buffer, 0, length, offset);
        return JSON.parse(buffer.toString('utf8')) as OutputItem;
      }
      const start = step > 0 ? offset : Math.max(0, offset + length - this.window.length);
      this.windowStart = start;
      this.windowEnd = start + readSync(this.fd, this.window, 0, this.window.length, start);
    }
    return JSON.parse(this.window.toString('utf8', offset - this.windowStart, offset - this.windowStart + length)) as OutputItem;
  }

  private grow(): void {
    const offsets = new Float64Array(this.offsets.length * 2);
    offsets.set(this.offsets);
    this.offsets = offsets;
    const lengths = new Float64Array(this.lengths.length * 2);
    lengths.set(this.lengths);
    this.lengths = lengths;
    const passes = new Uint8Array(this.passes.length * 2);
    passes.set(this.passes);
    this.passes = passes;
  }
}
