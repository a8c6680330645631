import type { CursorPage } from 'openai/pagination';
import { EvalsApiError } from './api-errors.js';
import { checkedPageItems } from './answer-shapes.js';

/**
 * Every item of a cursor-paged list, page by page. The SDK's own iteration trusts `has_more`: a server
 * that ignores `after` would serve the same page for ever. Here a page whose cursor (its last item's
 * id) was seen before ends the list with an error, and so does a page that is not a list.
 */
export async function* cursorItems<T extends { id?: string | null }>(first: PromiseLike<CursorPage<T>>, doing: string, where: string): AsyncGenerator<T> {
  let page = await first;
  const cursors = new Set<string>();
  for (let number = 1; ; number++) {
    const items = checkedPageItems(page, doing, where) as T[];
    yield* items;
    if (!page.hasNextPage()) return;
    const last: unknown = items[items.length - 1];
    const id = typeof last === 'object' && last !== null ? (last as { id?: unknown }).id : undefined;
    const cursor = typeof id === 'string' ? id : '';
    if (cursors.has(cursor)) {
      throw new EvalsApiError(`${where} did not move on while ${doing}: page ${number} ended at ${cursor} again and still said has_more.`, null);
    }
    cursors.add(cursor);
    page = await page.getNextPage();
  }
}
