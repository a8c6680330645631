// The rows of a JSONL dataset, as the Evals API reads `file_content` and the local engine reads a data file.
import { MAX_ROW_DEPTH, nestedDeeperThan } from './row-limits.js';

/** The local engine's source type for a streamed `data-file`; hosted endpoints never see it. */
export const FILE_PATH_SOURCE = 'file_path';

export interface JsonlRow {
  item: Record<string, unknown>;
  sample?: Record<string, unknown>;
}

/** Why a row is refused for its nesting (JSON.parse reads any depth; what recurses over the row later would overflow). */
export const TOO_DEEP = `nested more than ${MAX_ROW_DEPTH} levels deep (objects and lists within each other, {"item": {…}} counting 2)`;

/** One JSONL line as a row, or what is wrong with it. */
export function parseJsonlRow(line: string): JsonlRow | string {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    return `not valid JSON (${firstLine(error)})`;
  }
  if (!isPlainObject(value)) return 'each line must be a JSON object';
  // A bare item is measured as the row {"item": …} it becomes.
  const wrappedDepth = Object.hasOwn(value, 'item') ? MAX_ROW_DEPTH : MAX_ROW_DEPTH - 1;
  if (nestedDeeperThan(value, wrappedDepth)) return TOO_DEEP;
  const keys = Object.keys(value);
  const wrapped = keys.includes('item') && keys.every((key) => key === 'item' || key === 'sample');
  if (!wrapped) return { item: value };
  if (!isPlainObject(value.item)) return '"item" must be an object';
  if (value.sample !== undefined && !isPlainObject(value.sample)) return '"sample" must be an object';
  return value.sample === undefined ? { item: value.item } : { item: value.item, sample: value.sample };
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0] ?? message;
}
