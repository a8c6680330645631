// Escaping of untrusted text (model outputs, dataset items, API messages, names) for GitHub-flavoured
// markdown. The goal is containment: such text may show any characters, but it can never open HTML,
// close the report's <details>, forge the sticky comment's marker, break a table, form links or images,
// or mention (and so notify) anyone.

/** C0 and C1 control characters, except tab, line feed and carriage return (handled as whitespace). */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/g;
/** Bidi marks, embeddings, overrides and isolates: they can make text read differently than it is. */
const BIDI = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/g;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * A zero-width space placed inside `@name`, `#123`, `GH-123` and `https://`: GitHub's mention,
 * reference and autolink matchers need those characters adjacent. An HTML entity keeps the raw markdown readable;
 * GitHub decodes it into the same invisible character.
 */
const ZWSP_ENTITY = '&#8203;';
const ZWSP = '\u200B';

/**
 * Characters with a meaning in inline markdown, plus the contexts that GitHub turns into mentions
 * (`@name`, `@org/team`), issue references (`#12`, `owner/repo#12`, `GH-12`) and autolinks
 * (`scheme://`, `www.`).
 */
const INLINE_SPECIAL = /[&<>\\|`*_[\]~$]|@(?=[A-Za-z0-9])|#(?=[0-9])|(?<=\bGH)-(?=[0-9])|:(?=\/\/)|(?<=www)\./giu;

const ELLIPSIS = '…';

/** Removes control and bidi characters and replaces lone surrogates, which are not valid UTF-8. */
function clean(text: string): string {
  return text.replace(LONE_SURROGATE, '\uFFFD').replace(CONTROL, '').replace(BIDI, '');
}

/**
 * Looks at no more of a huge input than can be shown: escaping only grows text, and only the few
 * characters `clean` drops can shrink it, so a prefix this long always holds everything shown.
 */
function headOf(text: string, maxChars: number): { head: string; cut: boolean } {
  const limit = 2 * maxChars + 1024;
  if (text.length <= limit) return { head: text, cut: false };
  return { head: cutBeforeSurrogate(text, limit), cut: true };
}

function cutBeforeSurrogate(text: string, length: number): string {
  const code = text.charCodeAt(length - 1);
  const end = code >= 0xd800 && code <= 0xdbff ? length - 1 : length;
  return text.slice(0, end);
}

function escapeInlineChar(match: string): string {
  switch (match) {
    case '&':
      return '&amp;';
    case '<':
      return '&lt;';
    case '>':
      return '&gt;';
    case '@':
    case '#':
    case '-':
      return match + ZWSP_ENTITY;
    case ':':
    case '.':
      // Before the `:` of `://` and the `.` of `www.`: the autolink matcher scans back from there.
      return ZWSP_ENTITY + match;
    default:
      return `\\${match}`;
  }
}

/**
 * Cuts escaped inline text to at most `length` characters without splitting an entity, a backslash
 * escape or a surrogate pair.
 */
function cutEscaped(text: string, length: number): string {
  let cut = cutBeforeSurrogate(text, length);
  const amp = cut.lastIndexOf('&');
  if (amp !== -1 && amp >= cut.length - 8 && !cut.includes(';', amp)) cut = cut.slice(0, amp);
  let backslashes = 0;
  while (backslashes < cut.length && cut[cut.length - 1 - backslashes] === '\\') backslashes++;
  if (backslashes % 2 === 1) cut = cut.slice(0, -1);
  return cut;
}

/**
 * Untrusted text for a table cell, a list item, a heading or a sentence: one line, with no raw HTML,
 * no unescaped pipe, no markdown syntax, mentions, issue references or autolinks. Line breaks and tabs
 * become single spaces (a cell holds one line and a space reads well everywhere), control and bidi
 * characters are dropped. The result is at most `maxChars` characters long (UTF-16 units), ending in
 * `…` when the text was cut.
 */
export function escapeInline(text: string, maxChars: number): string {
  const limit = Math.max(1, Math.floor(maxChars));
  const { head, cut } = headOf(text, limit);
  const flat = clean(head)
    .replace(/[\t\n\r\u2028\u2029]+/g, ' ')
    .replace(/ {2,}/g, ' ')
    .trim();
  let escaped = flat.replace(INLINE_SPECIAL, escapeInlineChar);
  // Block syntax that the text could start when it begins a line (a list item, a heading).
  if (/^[#+=-]/.test(escaped)) escaped = `\\${escaped}`;
  escaped = escaped.replace(/^([0-9]{1,9})([.)])/, '$1\\$2');
  if (!cut && escaped.length <= limit) return escaped;
  return cutEscaped(escaped, limit - ELLIPSIS.length) + ELLIPSIS;
}

/** The longest run of backticks in `text`. */
function longestBacktickRun(text: string): number {
  let longest = 0;
  let run = 0;
  for (let index = 0; index < text.length; index++) {
    if (text.charCodeAt(index) === 0x60) {
      run++;
      if (run > longest) longest = run;
    } else {
      run = 0;
    }
  }
  return longest;
}

function fenced(body: string): string {
  const fence = '`'.repeat(Math.max(3, longestBacktickRun(body) + 1));
  return `${fence}\n${body}\n${fence}`;
}

/**
 * Untrusted multi-line text as a fenced code block, for a `<details>` section. The fence is longer
 * than any backtick run inside, so the text cannot close it. GitHub parses no HTML or markdown in a
 * code block and links no mentions there; still, `</…`, `<!…` and `@name` get a zero-width space, so
 * even a search of the raw body (such as for the sticky comment's marker) finds nothing to act on.
 * The whole block, fences included, is at most `maxChars` characters; a cut text ends in `…`.
 */
export function escapeBlock(text: string, maxChars: number): string {
  const limit = Math.max(9, Math.floor(maxChars));
  const { head, cut } = headOf(text, limit);
  const body = clean(head)
    .replace(/\r\n?|[\u2028\u2029]/g, '\n')
    .replace(/@(?=[A-Za-z0-9])/g, `@${ZWSP}`)
    .replace(/<(?=[/!?])/g, `<${ZWSP}`)
    .replace(/^\n+/, '')
    .trimEnd();
  const whole = fenced(body);
  if (!cut && whole.length <= limit) return whole;
  // A shorter body never needs a longer fence, so this room is enough for the cut body and its fences.
  const fenceLength = Math.max(3, longestBacktickRun(body) + 1);
  const room = limit - 2 * fenceLength - 2 - ELLIPSIS.length;
  if (room <= 0) return fenced(ELLIPSIS);
  return fenced(cutBeforeSurrogate(body, Math.min(room, body.length)) + ELLIPSIS);
}

/**
 * An http(s) URL made safe as a markdown link destination, or null. The links come from the API and
 * the environment, so anything else (`javascript:`, relative, malformed) is dropped.
 */
/** Links longer than this are dropped rather than cut (a cut URL points somewhere else). */
const URL_CHARS = 2_000;

export function safeLinkUrl(url: string | null): string | null {
  if (!url) return null;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return null;
  // The serialiser already encodes spaces, quotes and angle brackets; parentheses and backslashes
  // could still end or escape the link destination.
  const href = parsed.href.replace(/[()\\]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);
  return href.length <= URL_CHARS ? href : null;
}
