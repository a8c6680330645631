import { METADATA_MAX_KEY_CHARS, METADATA_MAX_VALUE_CHARS } from '../evals-api/metadata-limits.js';
import { InputError } from './input-error.js';
import type { CriterionThreshold, InputSource, ScoreDrop } from './settings.js';

// Pure parsers of the action's text inputs. Each error names the input and what is wrong with it.

/** A rate in [0, 1], written as `0.9` or `90%`. */
export function parseRate(input: string, raw: string): number {
  const text = raw.trim();
  const percent = text.endsWith('%');
  const digits = percent ? text.slice(0, -1).trim() : text;
  // `99.9%` must be exactly 0.999: shifting the exponent avoids 99.9 / 100 = 0.9990000000000001.
  const rate = digits ? Number(percent ? `${digits}e-2` : digits) : NaN;
  if (!Number.isFinite(rate)) {
    throw new InputError(input, `expected a number from 0 to 1 or a percentage such as 90%, got ${JSON.stringify(text)}.`);
  }
  if (rate < 0 || rate > 1) {
    throw new InputError(input, `${JSON.stringify(text)} is outside 0–1 (0%–100%).`);
  }
  return rate;
}

export function parsePositiveNumber(input: string, raw: string, unit: string, max: number): number {
  const text = raw.trim();
  const number = /^\d*\.?\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isFinite(number) || number <= 0) {
    throw new InputError(input, `expected a positive number of ${unit}, got ${JSON.stringify(text)}.`);
  }
  if (number > max) throw new InputError(input, `${text} ${unit} is more than the ${max} allowed.`);
  return number;
}

export function parseCount(input: string, raw: string): number {
  const text = raw.trim();
  if (!/^\d+$/.test(text)) throw new InputError(input, `expected a whole number ≥ 0, got ${JSON.stringify(raw)}.`);
  return Number(text);
}

export function parseBoolean(input: string, raw: string): boolean {
  const text = raw.trim().toLowerCase();
  if (['true', 'yes', 'on', '1'].includes(text)) return true;
  if (['false', 'no', 'off', '0'].includes(text)) return false;
  throw new InputError(input, `expected true or false, got ${JSON.stringify(raw)}.`);
}

/** Non-empty lines that are not `#` comments, trimmed. */
function meaningfulLines(raw: string): { text: string; number: number }[] {
  return raw
    .split(/\r?\n/)
    .map((text, index) => ({ text: text.trim(), number: index + 1 }))
    .filter((line) => line.text && !line.text.startsWith('#'));
}

/** `NAME: RATE` per line. The name may itself contain colons: the rate is after the last one. */
export function parseCriteriaThresholds(input: string, raw: string): CriterionThreshold[] {
  const seen = new Set<string>();
  return meaningfulLines(raw).map(({ text, number }) => {
    const colon = text.lastIndexOf(':');
    const name = colon > 0 ? text.slice(0, colon).trim() : '';
    if (!name) throw new InputError(input, `line ${number} should be "NAME: RATE", got ${JSON.stringify(text)}.`);
    if (seen.has(name)) throw new InputError(input, `criterion "${name}" is listed twice.`);
    seen.add(name);
    try {
      return { name, min: parseRate(input, text.slice(colon + 1)) };
    } catch (error) {
      throw error instanceof InputError ? new InputError(input, `line ${number} ("${name}"): ${error.problem}`) : error;
    }
  });
}

/** `key=value` per line, within the API's limits on keys and values. */
export function parseMetadata(input: string, raw: string): Record<string, string> {
  const metadata: Record<string, string> = {};
  for (const { text, number } of meaningfulLines(raw)) {
    const equals = text.indexOf('=');
    const key = equals > 0 ? text.slice(0, equals).trim() : '';
    if (!key) throw new InputError(input, `line ${number} should be "key=value", got ${JSON.stringify(text)}.`);
    const value = text.slice(equals + 1).trim();
    if (key.length > METADATA_MAX_KEY_CHARS) {
      throw new InputError(input, `key "${key.slice(0, 20)}…" is ${key.length} characters; the API allows ${METADATA_MAX_KEY_CHARS}.`);
    }
    if (value.length > METADATA_MAX_VALUE_CHARS) {
      throw new InputError(input, `the value of "${key}" is ${value.length} characters; the API allows ${METADATA_MAX_VALUE_CHARS}.`);
    }
    if (Object.hasOwn(metadata, key)) throw new InputError(input, `key "${key}" is set twice.`);
    metadata[key] = value;
  }
  return metadata;
}

export function parseBaseUrl(input: string, raw: string): string {
  const { url, query } = parseEndpointUrl(input, raw);
  if (Object.keys(query).length > 0) throw new InputError(input, 'this URL takes no query.');
  return url;
}

/**
 * An endpoint's URL (`base-url`, `model-base-url`): http(s), no credentials in it, its query returned
 * apart. The SDK appends each request's path to the URL, so a query in it would end up in the middle
 * of the path; apart, it is sent with every request (like `extra-query`), and its values, which may be
 * keys (`?api-key=…`, `?sig=…`), are never shown. Errors never quote a query value.
 */
export function parseEndpointUrl(input: string, raw: string): { url: string; query: Record<string, string> } {
  const text = raw.trim();
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new InputError(input, `${JSON.stringify(hideQueryValues(text))} is not a URL.`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new InputError(input, `expected an http(s) URL, got ${JSON.stringify(url.protocol)}.`);
  }
  if (url.username || url.password) throw new InputError(input, 'credentials do not belong in the URL: use "api-key".');
  if (url.hash) throw new InputError(input, 'an endpoint URL has no "#…" part.');
  const query: Record<string, string> = {};
  for (const [name, value] of url.searchParams) {
    if (Object.hasOwn(query, name)) throw new InputError(input, `the query parameter "${name}" is given twice.`);
    query[name] = value;
  }
  url.search = '';
  return { url: url.toString().replace(/\/+$/, ''), query };
}

/** A URL with every query value shown as `***`, for messages. */
export function hideQueryValues(url: string): string {
  return url.replace(/([?&][^=&#]*=)[^&#]*/g, '$1***');
}

/**
 * Whether a query parameter's value is kept secret (masked in the log, redacted everywhere): all but
 * `api-version`, whose values (`v1`, `preview`, dates) are public and worth reading in an error.
 */
export function isSecretQueryParameter(name: string): boolean {
  return name.toLowerCase() !== 'api-version';
}

/** HTTP header names are RFC 9110 tokens. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * Headers the action sets itself: authentication has its own inputs (a key here would be logged
 * unmasked in the workflow file), and the rest belong to the HTTP client.
 */
const RESERVED_HEADERS: Record<string, string> = {
  authorization: 'authentication has its own inputs: use "api-key" (with "auth-header") or "azure-client-id".',
  'api-key': 'use "api-key" with "auth-header: api-key".',
  host: 'the host comes from "base-url".',
  'content-type': 'the client sets it.',
  'content-length': 'the client sets it.',
  'transfer-encoding': 'the client sets it.',
  connection: 'the client sets it.',
};

/** `Name: value` per line: extra headers for every request. Names are checked, values kept as written. */
export function parseHeaderLines(input: string, raw: string): Record<string, string> {
  const headers: Record<string, string> = {};
  const seen = new Set<string>();
  for (const { text, number } of meaningfulLines(raw)) {
    const colon = text.indexOf(':');
    const name = colon > 0 ? text.slice(0, colon).trim() : '';
    // The line is not quoted back: it may hold a credential.
    if (!name) throw new InputError(input, `line ${number} should be "Name: value" (no header name before a colon).`);
    if (!HEADER_NAME.test(name)) throw new InputError(input, `line ${number}: ${JSON.stringify(name)} is not a valid header name.`);
    const reserved = RESERVED_HEADERS[name.toLowerCase()];
    if (reserved) throw new InputError(input, `line ${number}: the ${name} header cannot be set here; ${reserved}`);
    if (seen.has(name.toLowerCase())) throw new InputError(input, `header "${name}" is set twice.`);
    seen.add(name.toLowerCase());
    const value = text.slice(colon + 1).trim();
    if (/[\0\r\n]/.test(value)) throw new InputError(input, `line ${number}: the value of "${name}" has a control character.`);
    headers[name] = value;
  }
  return headers;
}

/** `name: value` (or `name=value`) per line: extra query parameters for every request, e.g. `api-version`. */
export function parseQueryLines(input: string, raw: string): Record<string, string> {
  const query: Record<string, string> = {};
  for (const { text, number } of meaningfulLines(raw)) {
    const at = text.search(/[:=]/);
    const name = at > 0 ? text.slice(0, at).trim() : '';
    if (!name) throw new InputError(input, `line ${number} should be "name: value" (no parameter name before a colon).`);
    if (/[\s&#?]/.test(name)) throw new InputError(input, `line ${number}: ${JSON.stringify(name)} is not a query parameter name.`);
    if (Object.hasOwn(query, name)) throw new InputError(input, `parameter "${name}" is set twice.`);
    query[name] = text.slice(at + 1).trim();
  }
  return query;
}

/** Header and parameter names whose values are credentials, so they are masked and redacted like keys. */
export function looksSecret(name: string): boolean {
  return /key|token|secret|auth|password|passwd|signature|^sig$|credential|cookie/i.test(name);
}

/** One of `choices`, compared case-insensitively. */
export function parseChoice<T extends string>(input: string, raw: string, choices: readonly T[]): T {
  const text = raw.trim().toLowerCase();
  const match = choices.find((choice) => choice === text);
  if (!match) throw new InputError(input, `expected ${choices.map((c) => `"${c}"`).join(' or ')}, got ${JSON.stringify(raw)}.`);
  return match;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** An Entra application (client) id: a GUID. */
export function parseClientId(input: string, raw: string): string {
  const text = raw.trim();
  if (!GUID.test(text)) throw new InputError(input, `expected the app registration's Application (client) ID, a GUID, got ${JSON.stringify(text)}.`);
  return text;
}

/** An Entra tenant: its GUID or one of its domain names (`contoso.onmicrosoft.com`). */
export function parseTenantId(input: string, raw: string): string {
  const text = raw.trim();
  const domain = /^(?=.{3,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;
  if (!GUID.test(text) && !domain.test(text)) {
    throw new InputError(input, `expected the Directory (tenant) ID, a GUID (or a domain such as contoso.onmicrosoft.com), got ${JSON.stringify(text)}.`);
  }
  return text;
}

/** An OAuth scope for the client-credentials grant: a resource URI ending in `/.default`. */
export function parseScope(input: string, raw: string): string {
  const text = raw.trim();
  if (!/^\S+\/\.default$/.test(text)) {
    throw new InputError(input, `expected a resource scope ending in "/.default", such as https://ai.azure.com/.default, got ${JSON.stringify(text)}.`);
  }
  return text;
}

/** The Entra authority host (AZURE_AUTHORITY_HOST): https, or http only on the loopback address. */
export function parseAuthorityHost(input: string, raw: string): string {
  const url = parseBaseUrl(input, raw);
  const { protocol, hostname } = new URL(url);
  if (protocol === 'http:' && hostname !== '127.0.0.1' && hostname !== 'localhost' && hostname !== '[::1]') {
    throw new InputError(input, `tokens must not travel over plain http: use https (got ${JSON.stringify(raw)}).`);
  }
  return url;
}

/** `auto`, `none`, or the id of a run to compare with. */
export function parseBaselineChoice(input: string, raw: string): { kind: 'auto' } | { kind: 'none' } | { kind: 'run'; runId: string } {
  const text = raw.trim();
  const lower = text.toLowerCase();
  if (lower === 'auto') return { kind: 'auto' };
  if (lower === 'none') return { kind: 'none' };
  if (!text || /[\s/?#]/.test(text)) throw new InputError(input, `expected "auto", "none" or a run id (evalrun_…), got ${JSON.stringify(raw)}.`);
  return { kind: 'run', runId: text };
}

export function parseScoreDrop(input: string, raw: string): ScoreDrop {
  const text = raw.trim();
  const percent = text.endsWith('%');
  const digits = (percent ? text.slice(0, -1) : text.replace(/\s*(pts?|points?)$/i, '')).trim();
  const number = /^\d*\.?\d+$/.test(digits) ? Number(digits) : NaN;
  if (!Number.isFinite(number)) {
    throw new InputError(input, `expected points such as 2 (a drop from 90% to 88%) or a percentage of the baseline's score such as 2%, got ${JSON.stringify(raw)}.`);
  }
  if (number > 100) throw new InputError(input, `${JSON.stringify(text)} is more than 100.`);
  return { unit: percent ? 'percent' : 'points', value: Number(`${digits}e-2`) };
}

/** A significance level in (0, 1), such as 0.05 (or 5%). */
export function parseSignificance(input: string, raw: string): number {
  const level = parseRate(input, raw);
  if (level <= 0 || level >= 1) throw new InputError(input, `expected a level between 0 and 1 such as 0.05, got ${JSON.stringify(raw.trim())}.`);
  return level;
}

/** OpenAI's API, where the OpenAI environment variables and both endpoints' inputs default to. */
export const OPENAI_BASE_URL = 'https://api.openai.com/v1';

/**
 * An OpenAI-style endpoint's URL and key, as the SDKs read them: the input, else `OPENAI_BASE_URL` /
 * `OPENAI_API_KEY`, else OpenAI's URL and no key. A query in the URL is taken out of it (the SDK would
 * put paths after it) and its values masked as soon as they are read (they may be keys), as is the key
 * input; `OPENAI_API_KEY` only when `key()` is asked for it (an Entra sign-in never uses it).
 */
export function readOpenAiEndpoint(
  source: InputSource,
  inputs: { url: string; key: string },
): { baseURL: string; query: Record<string, string>; keyInput: string; key: () => string } {
  const { read, env } = source;
  const keyInput = read(inputs.key).trim();
  if (keyInput) source.mask(keyInput);
  const urlInput = read(inputs.url).trim();
  const endpoint = urlInput
    ? parseEndpointUrl(inputs.url, urlInput)
    : parseEndpointUrl(`${inputs.url} (from OPENAI_BASE_URL)`, env.OPENAI_BASE_URL?.trim() || OPENAI_BASE_URL);
  maskQuery(source, endpoint.query);
  const key = () => {
    const fromEnv = keyInput ? '' : env.OPENAI_API_KEY?.trim() || '';
    if (fromEnv) source.mask(fromEnv);
    return keyInput || fromEnv;
  };
  return { baseURL: endpoint.url, query: endpoint.query, keyInput, key };
}

/** Query values may be keys: masked as soon as they are read (all but api-version). */
export function maskQuery(source: InputSource, query: Record<string, string>): void {
  for (const [name, value] of Object.entries(query)) {
    if (value && isSecretQueryParameter(name)) source.mask(value);
  }
}
