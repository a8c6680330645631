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

/**
 * A run's output items, spooled to a temporary file as JSON lines: memory holds 17 bytes an item (where it
 * is in the file, and whether it passed), whatever the size of the items, and pages are read back on demand.
 */
export class OutputItemStore {
  private readonly directory: string;
  private readonly fd: number;
  private readonly prefix: string;
  private offsets = new Float64Array(1024);
  private lengths = new Float64Array(1024);
  private passes = new Uint8Array(1024);
  private size = 0;
  private end = 0;
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
    const bytes = Buffer.from(`${JSON.stringify(item)}\n`, 'utf8');
    writeSync(this.fd, bytes, 0, bytes.length, this.end);
    if (this.size === this.offsets.length) this.grow();
    this.offsets[this.size] = this.end;
    this.lengths[this.size] = bytes.length - 1;
    this.passes[this.size] = item.status === 'pass' ? 1 : 0;
    this.end += bytes.length;
    this.size++;
  }

  get(id: string): OutputItem | null {
    const index = this.indexOf(id);
    return index === null ? null : this.read(index);
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
      data.push(this.read(index));
    }
    return { data, first_id: data[0]?.id ?? null, last_id: data[data.length - 1]?.id ?? null, has_more: hasMore };
  }

  /** Deletes the spool file. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
    rmSync(this.directory, { recursive: true, force: true });
  }

  private indexOf(id: string): number | null {
    const digits = id.startsWith(this.prefix) ? id.slice(this.prefix.length) : '';
    // Only the ids this store gave: `_01` or `_1.0` would name item 1 under another id.
    if (!/^(0|[1-9]\d*)$/.test(digits)) return null;
    const index = Number(digits);
    return Number.isInteger(index) && index >= 0 && index < this.size ? index : null;
  }

  private read(index: number): OutputItem {
    const length = this.lengths[index] ?? 0;
    const buffer = Buffer.alloc(length);
    readSync(this.fd, buffer, 0, length, this.offsets[index] ?? 0);
    return JSON.parse(buffer.toString('utf8')) as OutputItem;
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
