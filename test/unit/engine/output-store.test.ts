// The output item store: items spooled to a temp file and served back as the API's cursor pages, with
// exact has_more at page boundaries, status filters, growth past its first allocation, and a close that
// leaves nothing on disk.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type OutputItem, OutputItemStore, type PageQuery } from '../../../src/engine/output-store.ts';

let parent: string;
const stores: OutputItemStore[] = [];

beforeEach(() => {
  parent = mkdtempSync(join(tmpdir(), 'output-store-test-'));
});

afterEach(() => {
  for (const store of stores.splice(0)) store.close();
  rmSync(parent, { recursive: true, force: true });
});

function newStore(runId = 'evalrun_abc123'): OutputItemStore {
  const store = new OutputItemStore(runId, parent);
  stores.push(store);
  return store;
}

/** Item `index` fails when `failing(index)`; ids are given by the store as a run would. */
function fill(store: OutputItemStore, count: number, failing: (index: number) => boolean = () => false): string[] {
  const ids: string[] = [];
  for (let index = 0; index < count; index++) {
    const id = store.nextId();
    ids.push(id);
    store.append({ id, status: failing(index) ? 'fail' : 'pass', datasource_item_id: index, datasource_item: { n: index } });
  }
  return ids;
}

const ids = (items: OutputItem[]) => items.map((item) => item.id);
const pageOf = (store: OutputItemStore, query: Partial<PageQuery> = {}) => store.page({ limit: 20, order: 'asc', ...query });

/** Every page of a listing, following `after` as a client would. */
function allPages(store: OutputItemStore, query: Omit<PageQuery, 'after'>) {
  const pages = [];
  let after: string | undefined;
  for (;;) {
    const page = store.page({ ...query, after });
    pages.push(page);
    if (!page.has_more) return pages;
    after = page.last_id ?? undefined;
  }
}

describe('OutputItemStore', () => {
  it('names items after the run and counts them', () => {
    const store = newStore('evalrun_abc123');
    expect(store.count).toBe(0);
    expect(store.nextId()).toBe('outputitem_abc123_0');
    fill(store, 3);
    expect(store.count).toBe(3);
    expect(store.nextId()).toBe('outputitem_abc123_3');
  });

  it('serves an empty page for an empty store', () => {
    expect(pageOf(newStore())).toEqual({ data: [], first_id: null, last_id: null, has_more: false });
    expect(pageOf(newStore(), { order: 'desc' })).toEqual({ data: [], first_id: null, last_id: null, has_more: false });
  });

  it('pages ascending and descending, following after', () => {
    const store = newStore();
    const all = fill(store, 7);

    const first = pageOf(store, { limit: 3 });
    expect(ids(first.data)).toEqual(all.slice(0, 3));
    expect(first).toMatchObject({ first_id: all[0], last_id: all[2], has_more: true });
    const second = pageOf(store, { limit: 3, after: first.last_id ?? '' });
    expect(ids(second.data)).toEqual(all.slice(3, 6));
    const third = pageOf(store, { limit: 3, after: second.last_id ?? '' });
    expect(ids(third.data)).toEqual(all.slice(6));
    expect(third.has_more).toBe(false);

    const newest = pageOf(store, { limit: 3, order: 'desc' });
    expect(ids(newest.data)).toEqual([all[6], all[5], all[4]]);
    expect(newest).toMatchObject({ first_id: all[6], last_id: all[4], has_more: true });
    const older = pageOf(store, { limit: 3, order: 'desc', after: all[4] });
    expect(ids(older.data)).toEqual([all[3], all[2], all[1]]);
    expect(ids(pageOf(store, { limit: 3, order: 'desc', after: all[1] }).data)).toEqual([all[0]]);
  });

  it('says has_more exactly: false on a page that ends with the last item', () => {
    const store = newStore();
    const all = fill(store, 200);

    const pages = allPages(store, { limit: 100, order: 'asc' });
    expect(pages.map((page) => [page.data.length, page.has_more])).toEqual([
      [100, true],
      [100, false],
    ]);
    expect(pages.flatMap((page) => ids(page.data))).toEqual(all);
    expect(pageOf(store, { limit: 200 }).has_more).toBe(false);
    expect(pageOf(store, { limit: 199 }).has_more).toBe(true);
    expect(pageOf(store, { limit: 1, after: all[198] })).toMatchObject({ has_more: false, first_id: all[199] });
    expect(pageOf(store, { limit: 5, after: all[199] })).toEqual({ data: [], first_id: null, last_id: null, has_more: false });
    expect(pageOf(store, { limit: 5, order: 'desc', after: all[0] })).toEqual({ data: [], first_id: null, last_id: null, has_more: false });
    expect(allPages(store, { limit: 100, order: 'desc' }).map((page) => page.has_more)).toEqual([true, false]);
  });

  it('filters by status, with has_more counting only matching items', () => {
    const store = newStore();
    // Items 0, 5, 10, …, 95 fail; the last failing one is followed only by passing ones.
    const all = fill(store, 99, (index) => index % 5 === 0);
    const failing = all.filter((_, index) => index % 5 === 0);
    const passing = all.filter((_, index) => index % 5 !== 0);

    const pages = allPages(store, { limit: 10, order: 'asc', status: 'fail' });
    expect(pages.map((page) => page.has_more)).toEqual([true, false]);
    expect(pages.flatMap((page) => ids(page.data))).toEqual(failing);
    for (const item of pages.flatMap((page) => page.data)) expect(item.status).toBe('fail');

    // Exactly as many failing items as the limit: no further page.
    expect(pageOf(store, { limit: 20, status: 'fail' }).has_more).toBe(false);
    expect(pageOf(store, { limit: 19, status: 'fail' }).has_more).toBe(true);

    expect(allPages(store, { limit: 100, order: 'asc', status: 'pass' }).flatMap((page) => ids(page.data))).toEqual(passing);
    expect(allPages(store, { limit: 7, order: 'desc', status: 'pass' }).flatMap((page) => ids(page.data))).toEqual([...passing].reverse());
    // A cursor may be an item the filter leaves out.
    expect(ids(pageOf(store, { limit: 2, status: 'fail', after: all[3] }).data)).toEqual([all[5], all[10]]);
  });

  it('refuses an unknown cursor', () => {
    const store = newStore('evalrun_abc123');
    fill(store, 3);
    for (const after of ['outputitem_other_1', 'outputitem_abc123_3', 'outputitem_abc123_-1', 'outputitem_abc123_x', 'nonsense']) {
      expect(() => pageOf(store, { after })).toThrow(`after: no output item ${JSON.stringify(after)} in this run.`);
    }
  });

  it('gets one item by id, or null', () => {
    const store = newStore();
    const all = fill(store, 3, (index) => index === 1);
    expect(store.get(all[1] ?? '')).toEqual({ id: all[1], status: 'fail', datasource_item_id: 1, datasource_item: { n: 1 } });
    expect(store.get('outputitem_abc123_3')).toBeNull();
    expect(store.get('outputitem_zzz_0')).toBeNull();
  });

  // An id the store never gave must not find an item: the API would answer it with another item's data.
  it('finds no item for ids it never gave that parse to a valid index', () => {
    const store = newStore('evalrun_abc123');
    fill(store, 3);
    for (const id of ['outputitem_abc123_', 'outputitem_abc123_01', 'outputitem_abc123_1.0', 'outputitem_abc123_ 1', 'outputitem_abc123_0x1']) {
      expect(store.get(id)).toBeNull();
      expect(() => pageOf(store, { after: id })).toThrow('no output item');
    }
  });

  it('grows past 1024 items and keeps every one, status included', () => {
    const store = newStore();
    const count = 2600;
    const all = fill(store, count, (index) => index % 7 === 0);
    expect(store.count).toBe(count);
    const listed = allPages(store, { limit: 100, order: 'asc' }).flatMap((page) => page.data);
    expect(ids(listed)).toEqual(all);
    expect(listed.map((item) => item.datasource_item_id)).toEqual(Array.from({ length: count }, (_, index) => index));
    expect(listed.filter((item) => item.status === 'fail')).toHaveLength(Math.ceil(count / 7));
    const failingListed = allPages(store, { limit: 100, order: 'asc', status: 'fail' }).flatMap((page) => ids(page.data));
    expect(failingListed).toEqual(all.filter((_, index) => index % 7 === 0));
    for (const index of [0, 1023, 1024, 2047, 2048, count - 1]) expect(store.get(all[index] ?? '')?.datasource_item).toEqual({ n: index });
  });

  it('round-trips unicode, line separators and large items byte for byte', () => {
    const store = newStore();
    const texts = ['naïve café 日本語 🚀', 'line\u2028separator\u2029paragraph', 'new\nline and "quotes" \\ backslash', '\u0000nul', 'x'.repeat(200_000), '👩‍👩‍👧‍👦'];
    const all = texts.map((text, index) => {
      const id = store.nextId();
      store.append({ id, status: index % 2 === 0 ? 'pass' : 'fail', datasource_item: { text }, sample: { output_text: text } });
      return id;
    });
    const listed = pageOf(store, { limit: 100 }).data;
    expect(listed.map((item) => (item.datasource_item as { text: string }).text)).toEqual(texts);
    expect(listed.map((item) => (item.sample as { output_text: string }).output_text)).toEqual(texts);
    expect(store.get(all[4] ?? '')).toMatchObject({ datasource_item: { text: texts[4] } });
    expect(store.get(all[5] ?? '')).toMatchObject({ datasource_item: { text: texts[5] } });
  });

  it('keeps its spool in a directory of its own under the given parent, deleted by close', () => {
    const store = new OutputItemStore('evalrun_1', parent);
    fill(store, 5);
    const made = readdirSync(parent);
    expect(made).toHaveLength(1);
    expect(made[0]).toMatch(/^evals-gate-/);
    expect(readdirSync(join(parent, made[0] ?? ''))).toEqual(['output-items.jsonl']);

    store.close();
    expect(readdirSync(parent)).toEqual([]);
    // Idempotent, and items appended after close are dropped rather than written anywhere.
    store.close();
    store.append({ id: 'late', status: 'pass' });
    expect(store.count).toBe(5);
    expect(readdirSync(parent)).toEqual([]);
  });

  it('writes items in batches, and whatever is read first writes what waits', () => {
    const store = new OutputItemStore('evalrun_1', parent);
    stores.push(store);
    const file = join(parent, readdirSync(parent)[0] ?? '', 'output-items.jsonl');
    const all = fill(store, 10);
    expect(statSync(file).size).toBe(0);
    expect(ids(pageOf(store, { limit: 3 }).data)).toEqual(all.slice(0, 3));
    const lines = readFileSync(file, 'utf8').split('\n');
    expect(lines).toHaveLength(11);
    expect(lines.slice(0, 10).map((line) => (JSON.parse(line) as OutputItem).id)).toEqual(all);
    // About 1 KB an item: 600 items pass the batch size, and the file grows while nothing is read.
    const more = Array.from({ length: 600 }, (_, index) => {
      const id = store.nextId();
      store.append({ id, status: 'pass', datasource_item: { text: `${index} ${'x'.repeat(1000)}` } });
      return id;
    });
    expect(statSync(file).size).toBeGreaterThan(256 * 1024);
    expect(statSync(file).size).toBeLessThan(610 * 1024);
    expect(store.get(more[599] ?? '')).toMatchObject({ datasource_item: { text: `599 ${'x'.repeat(1000)}` } });
    expect(readFileSync(file, 'utf8').split('\n')).toHaveLength(611);
  });

  it('reads back items of any size in either direction, across its read window, with items appended between reads', () => {
    const store = newStore();
    const sizes = [10, 300_000, 5, 90_000, 120_000, 1, 256 * 1024, 7, 40_000];
    const written: string[] = [];
    const check = () => {
      const asc = allPages(store, { limit: 2, order: 'asc' }).flatMap((page) => page.data);
      expect(asc.map((item) => (item.datasource_item as { text: string }).text)).toEqual(written);
      const desc = allPages(store, { limit: 3, order: 'desc' }).flatMap((page) => page.data);
      expect(desc.map((item) => (item.datasource_item as { text: string }).text)).toEqual([...written].reverse());
    };
    for (const [index, size] of sizes.entries()) {
      const text = `${index}:${String.fromCharCode(97 + index).repeat(size)}`;
      store.append({ id: store.nextId(), status: 'pass', datasource_item: { text } });
      written.push(text);
      if (index % 3 === 2) check();
    }
    check();
  });

  it('hands items to a follower: those stored so far, then each new one as it is appended, until stopped', () => {
    const store = newStore();
    const before = fill(store, 5, (index) => index % 2 === 0);
    const seen: OutputItem[] = [];
    const failing: string[] = [];
    const stop = store.follow((item) => seen.push(item));
    const stopFailing = store.follow((item) => failing.push(item.id), 'fail');
    expect(ids(seen)).toEqual(before);
    expect(failing).toEqual([before[0], before[2], before[4]]);

    const live: OutputItem = { id: store.nextId(), status: 'fail', datasource_item: { n: 5 } };
    store.append(live);
    // The very object appended: no trip through JSON.
    expect(seen[5]).toBe(live);
    expect(failing).toHaveLength(4);
    store.append({ id: store.nextId(), status: 'pass' });
    expect(failing).toHaveLength(4);
    expect(seen).toHaveLength(7);

    stop();
    stopFailing();
    fill(store, 2, () => true);
    expect(seen).toHaveLength(7);
    expect(failing).toHaveLength(4);
  });

  it('gives two stores of the same run separate spools', () => {
    const one = newStore('evalrun_same');
    const two = newStore('evalrun_same');
    fill(one, 2);
    fill(two, 1, () => true);
    expect(readdirSync(parent)).toHaveLength(2);
    expect(pageOf(one).data.map((item) => item.status)).toEqual(['pass', 'pass']);
    expect(pageOf(two).data.map((item) => item.status)).toEqual(['fail']);
  });
});
