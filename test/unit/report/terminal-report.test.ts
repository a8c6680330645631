import { describe, expect, it } from 'vitest';
import { renderTerminalReport } from '../../../src/report/terminal-report.ts';
import { makeItem, makeResult, makeRun } from '../../support/report-fixtures.ts';

// What a hostile eval, server or dataset could put in front of a terminal: colours, a screen clear,
// an OSC 8 link that shows one URL and opens another, a window title, C1 forms of the same.
const ANSI_RED = '\u001b[31m';
const CLEAR = '\u001b[2J\u001b[H';
const LINK = '\u001b]8;;https://evil.example/\u001b\\click\u001b]8;;\u001b\\';
const TITLE = '\u001b]0;pwned\u0007';
const C1 = '\u009b31m\u009d8;;x\u009c';
const HOSTILE = `${ANSI_RED}red${CLEAR}${LINK}${TITLE}${C1}\nsecond line`;

// eslint-disable-next-line no-control-regex -- what a terminal would act on
const SEQUENCE_START = /[\u001b\u0007\u0080-\u009f]/;

describe('renderTerminalReport', () => {
  const result = makeResult({
    run: makeRun({ name: HOSTILE, id: `evalrun_${ANSI_RED}1`, reportUrl: `https://x.example/${LINK}` }),
    verdict: { result: 'fail', reasons: [`The run ended with status "failed": ${HOSTILE}`] },
    baselineNote: HOSTILE,
    failingItems: [makeItem(1, { input: HOSTILE, output: HOSTILE, expected: HOSTILE, error: HOSTILE, datasourceItemId: HOSTILE })],
  });

  it('prints no escape sequence that came from the eval, the server or the dataset', () => {
    for (const color of [false, true]) {
      const out = renderTerminalReport(result, { title: HOSTILE, maxItems: 5, showItemContent: true, color });
      // eslint-disable-next-line no-control-regex -- the report's own colours are the exception
      const withoutOwnColours = out.replace(/\u001b\[(?:3[1239]|22?|0)m/g, '');
      expect(withoutOwnColours).not.toMatch(SEQUENCE_START);
      // The visible text is still there, on its line.
      expect(out).toContain('redclick');
      expect(out).not.toContain('evil.example');
    }
  });

  it('colours only with color on', () => {
    const plain = renderTerminalReport(result, { title: 'x', maxItems: 5, showItemContent: true, color: false });
    expect(plain).not.toMatch(SEQUENCE_START);
  });
});
