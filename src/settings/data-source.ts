import { dirname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { FILE_PATH_SOURCE, firstLine, isPlainObject, type JsonlRow, parseJsonlRow } from '../engine/jsonl-row.js';
import { LINE_TOO_LONG, MAX_LINE_BYTES } from '../engine/row-limits.js';
import { InputError } from './input-error.js';
import type { DataSource } from './settings.js';
import { readWorkspaceFile, resolveWorkspaceFile } from './workspace-files.js';

export interface DataSourceInputs {
  /** `data-source`: a path to a .json/.yaml/.yml file in the workspace, or inline JSON/YAML. */
  dataSource: string;
  /** `data-file`: a JSONL file in the workspace. */
  dataFile: string;
  /** `model`: set on completions/responses sources. */
  model: string;
  workspace: string;
  /**
   * The local engine streams `data-file` itself: the source names the file (`file_path`) instead of
   * carrying its rows, so no dataset is ever held in memory whole.
   */
  streamDataFile?: boolean;
}

const SOURCE_TYPES = ['jsonl', 'completions', 'responses'];
const SAMPLING_TYPES = ['completions', 'responses'];

/**
 * Builds the run's data source from the inputs. Files referenced as `{"$file": "path"}` anywhere in the
 * data source are replaced by their text, so prompts can live in the repository and a pull request that
 * edits a prompt file is evaluated with the edited prompt.
 */
export function buildDataSource(inputs: DataSourceInputs): DataSource {
  const declared = inputs.dataSource.trim() ? readDataSourceInput(inputs.dataSource, inputs.workspace) : null;
  const dataFile = inputs.dataFile.trim();
  let rows: Record<string, unknown> | null = null;
  if (dataFile && inputs.streamDataFile) {
    const file = resolveWorkspaceFile('data-file', inputs.workspace, dataFile);
    rows = { type: FILE_PATH_SOURCE, path: file.path, label: dataFile };
  } else if (dataFile) {
    rows = { type: 'file_content', content: readJsonlRows(dataFile, inputs.workspace) };
  }

  let source: DataSource;
  if (declared) {
    source = declared;
    if (rows) source.source = rows;
  } else if (rows) {
    source = { type: 'jsonl', source: rows };
  } else {
    throw new InputError('data-source', 'the run needs a data source: set "data-source", "data-file", or both.');
  }

  if (!SOURCE_TYPES.includes(source.type)) {
    throw new InputError('data-source', `"type" must be one of ${SOURCE_TYPES.join(', ')}; got ${JSON.stringify(source.type)}.`);
  }
  if (source.source === undefined || source.source === null || typeof source.source !== 'object') {
    throw new InputError('data-source', 'it has no "source" object (give one, or a "data-file" to use as its file_content).');
  }
  const model = inputs.model.trim();
  if (model) {
    if (!SAMPLING_TYPES.includes(source.type)) {
      throw new InputError('model', `a model is sampled only by completions/responses data sources; this one is "${source.type}".`);
    }
    source.model = model;
  }
  return source;
}

function readDataSourceInput(value: string, workspace: string): DataSource {
  const trimmed = value.trim();
  const isPath = !trimmed.includes('\n') && /\.(json|ya?ml)$/i.test(trimmed) && !trimmed.startsWith('{');
  let text = trimmed;
  let baseDir = workspace;
  let where = 'the inline value';
  if (isPath) {
    const file = readWorkspaceFile('data-source', workspace, trimmed);
    text = file.text;
    baseDir = dirname(file.path);
    where = trimmed;
  }
  let parsed: unknown;
  try {
    parsed = parseYaml(text, { prettyErrors: true, uniqueKeys: true });
  } catch (error) {
    throw new InputError('data-source', `${where} is not valid JSON/YAML: ${firstLine(error)}`);
  }
  if (!isPlainObject(parsed) || typeof parsed.type !== 'string') {
    throw new InputError('data-source', `${where} must be an object with a "type" (${SOURCE_TYPES.join(', ')}).`);
  }
  return resolveFileReferences(parsed, workspace, baseDir, '') as DataSource;
}

/** Replaces every `{"$file": "path"}` by the file's text (one trailing newline dropped). */
function resolveFileReferences(value: unknown, workspace: string, baseDir: string, at: string): unknown {
  if (Array.isArray(value)) return value.map((entry, index) => resolveFileReferences(entry, workspace, baseDir, `${at}[${index}]`));
  if (!isPlainObject(value)) return value;
  const keys = Object.keys(value);
  if (keys.includes('$file')) {
    const path = value.$file;
    if (keys.length !== 1 || typeof path !== 'string' || !path.trim()) {
      throw new InputError('data-source', `${at || 'the root'}: a file reference is {"$file": "relative/path"} and nothing else.`);
    }
    return readWorkspaceFile('data-source', workspace, path.trim(), baseDir).text.replace(/\r?\n$/, '');
  }
  const out: Record<string, unknown> = {};
  for (const key of keys) out[key] = resolveFileReferences(value[key], workspace, baseDir, at ? `${at}.${key}` : key);
  return out;
}

const MAX_REPORTED_BAD_LINES = 5;

/**
 * Reads JSONL rows. A line is `{"item": {...}, "sample": {...}}` or a bare item object. Every malformed line
 * (a line too long or too deeply nested included) is found before anything is sent, and the first few are
 * reported with their line numbers.
 */
export function readJsonlRows(path: string, workspace: string): JsonlRow[] {
  const { text } = readWorkspaceFile('data-file', workspace, path);
  const rows: JsonlRow[] = [];
  const problems: string[] = [];
  let badLines = 0;
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const line = (lines[index] ?? '').trim();
    if (!line) continue;
    const problem = parseRow(line, rows);
    if (problem) {
      badLines++;
      if (problems.length < MAX_REPORTED_BAD_LINES) problems.push(`line ${index + 1}: ${problem}`);
    }
  }
  if (badLines > 0) {
    const more = badLines > problems.length ? ` (and ${badLines - problems.length} more bad lines)` : '';
    throw new InputError('data-file', `${path} has ${badLines} malformed line${badLines === 1 ? '' : 's'}${more}:\n  ${problems.join('\n  ')}`);
  }
  if (rows.length === 0) throw new InputError('data-file', `${path} has no rows.`);
  return rows;
}

function parseRow(line: string, rows: JsonlRow[]): string | null {
  // The local engine's limits (row-limits.ts), so that a file both engines read is read alike.
  if (line.length > MAX_LINE_BYTES / 4 && Buffer.byteLength(line, 'utf8') > MAX_LINE_BYTES) return LINE_TOO_LONG;
  const parsed = parseJsonlRow(line);
  if (typeof parsed === 'string') return parsed;
  rows.push(parsed);
  return null;
}

