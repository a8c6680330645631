// Untrusted text (eval and run names, statuses, server messages, item texts) for a terminal and for
// the runner's log. Pure: the caller supplies the random token that guards workflow commands.
import { stripVTControlCharacters } from 'node:util';

/**
 * What is left of control characters once escape sequences are gone: C0 and C1 controls but tab and
 * line feed, and the bidi controls that make a line read differently than it is.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/g;

/**
 * Text a terminal shows as text: escape sequences (ANSI CSI colours and cursor moves, OSC 8 links and
 * titles) removed whole, then every control character that could start one, so no sequence can be
 * rebuilt from what remains. Line breaks (`\r\n`, `\r`) become `\n`; tabs stay.
 */
export function terminalText(text: string): string {
  return stripVTControlCharacters(text.replace(/\r\n?/g, '\n')).replace(CONTROL, '');
}

/**
 * Whether the runner would read a line of `text` as a workflow command: a line that starts with `::`
 * after leading white space (`::add-mask::`, `::stop-commands::`, `::error::`), or the older form
 * `##[command]`, which the runner finds anywhere in a line.
 */
export function hasWorkflowCommand(text: string): boolean {
  return /^\s*::/mu.test(text) || text.includes('##[');
}

/**
 * `text` for one `core.info` call: as a terminal shows it, and, when a line of it would be taken for
 * a workflow command, between `::stop-commands::TOKEN` and `::TOKEN::`, the runner's own way to print
 * untrusted text verbatim. The token must be unguessable (a fresh random one), or the text could end
 * the guard itself.
 */
export function logText(text: string, token: () => string): string {
  const plain = terminalText(text);
  if (!hasWorkflowCommand(plain)) return plain;
  const guard = token();
  return `::stop-commands::${guard}\n${plain}\n::${guard}::`;
}
