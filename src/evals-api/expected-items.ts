import type { DataSource } from '../settings/settings.js';

/** How many items the run will have, when the rows travel inline (for progress lines); else null. */
export function expectedItemCount(dataSource: DataSource): number | null {
  const source = dataSource.source as { type?: unknown; content?: unknown } | undefined;
  return source?.type === 'file_content' && Array.isArray(source.content) ? source.content.length : null;
}
