import { describe, expect, it } from 'vitest';
import { hasWorkflowCommand, logText, terminalText } from '../../../src/report/plain-text.ts';
import { workflowCommands } from '../../harness/workflow-commands.ts';

// eslint-disable-next-line no-control-regex -- the assertion is about control characters
const CONTROL = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/;

describe('terminalText', () => {
  it('removes ANSI colours and cursor moves whole, not just their escape character', () => {
    expect(terminalText('\u001b[31mred\u001b[0m and \u001b[2J\u001b[Hcleared')).toBe('red and cleared');
    expect(terminalText('\u009b31mC1 CSI')).toBe('C1 CSI');
  });

  it('removes OSC 8 links (either terminator) and window titles, keeping the visible text', () => {
    expect(terminalText('\u001b]8;;https://evil.example\u001b\\click me\u001b]8;;\u001b\\')).toBe('click me');
    expect(terminalText('\u001b]8;;https://evil.example\u0007click\u001b]8;;\u0007')).toBe('click');
    expect(terminalText('\u001b]0;pwned\u0007title')).toBe('title');
  });

  it('leaves no control character that a later sequence could be rebuilt from', () => {
    const hostile = 'a\u001b\u001b[[31mb\u0007c\u0000d\u009d8;;x\u009ce\u202Ef\u0008g';
    const out = terminalText(hostile);
    expect(out).not.toMatch(CONTROL);
    expect(out).not.toContain('\u202E');
    expect(out).toContain('a');
    expect(out).toContain('g');
  });

  it('keeps tabs and line breaks, writing every break as \\n', () => {
    expect(terminalText('one\ttwo\r\nthree\rfour\nfive')).toBe('one\ttwo\nthree\nfour\nfive');
  });
});

describe('logText', () => {
  const token = () => 'f00dfeed-0000-4000-8000-000000000000';

  it('leaves ordinary text alone', () => {
    expect(logText('Started run evalrun_1 ("PR #7 · 1a2b3c4") of eval Support answers.', token)).toBe(
      'Started run evalrun_1 ("PR #7 · 1a2b3c4") of eval Support answers.',
    );
    expect(hasWorkflowCommand('a :: b ::c')).toBe(false);
  });

  it.each([
    ['a status that is a command', '::add-mask::everything'],
    ['a command after a line break', 'Eval "x\n::stop-commands::abc"'],
    ['after a carriage return alone', 'x\r::error::forged'],
    ['after leading white space', 'x\n \t\u00a0::set-output name=result::pass'],
    ['the old form anywhere in a line', 'name ##[add-mask]secret'],
  ])('guards %s, so the runner reads no command from it', (_, hostile) => {
    expect(workflowCommands(`${hostile}\n`).length).toBeGreaterThan(0);
    const out = logText(hostile, token);
    expect(workflowCommands(`${out}\n`).map((command) => command.name)).toEqual(['stop-commands']);
    // The text itself is still there, verbatim, to read.
    expect(out).toContain(terminalText(hostile));
  });

  it('uses a fresh token for each guarded text', () => {
    let n = 0;
    const next = () => `token-${++n}`;
    expect(logText('::a::', next)).toContain('token-1');
    expect(logText('::b::', next)).toContain('token-2');
  });
});

describe('the runner model of the tests', () => {
  it('reads commands as the runner does', () => {
    const names = workflowCommands('::error::x\n  ::warning file=a::y\nplain\nz ##[add-mask]s\n::stop-commands::t\n::error::hidden\n::t::\n::notice::z\n').map((c) => c.name);
    expect(names).toEqual(['error', 'warning', 'add-mask', 'stop-commands', 'notice']);
  });
});
