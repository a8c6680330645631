import { describe, expect, it } from 'vitest';
import { METADATA_MAX_KEY_CHARS, METADATA_MAX_VALUE_CHARS } from '../../../src/evals-api/metadata-limits.ts';
import {
  parseBaseUrl,
  parseBoolean,
  parseCount,
  parseCriteriaThresholds,
  parseMetadata,
  parsePositiveNumber,
  parseRate,
} from '../../../src/settings/input-parsers.ts';
import { expectInputError as inputError } from '../../support/input-error.ts';

describe('parseRate', () => {
  it.each([
    ['0.9', 0.9],
    ['90%', 0.9],
    ['1', 1],
    ['0', 0],
    ['100%', 1],
    ['0%', 0],
    [' 85 % ', 0.85],
    ['  0.25\n', 0.25],
  ])('reads %j as %d', (raw, expected) => {
    expect(parseRate('threshold', raw)).toBe(expected);
  });

  // A percentage must give the same number as the decimal it stands for: "99.9%" is 0.999, or a run
  // with 999 of 1000 items passing fails a 99.9% gate.
  it.each([
    ['99.9%', 0.999],
    ['14.3%', 0.143],
  ])('reads the fractional percentage %j exactly as %d', (raw, expected) => {
    expect(parseRate('threshold', raw)).toBe(expected);
  });

  it.each(['abc', '', '   ', 'NaN', 'Infinity', '90%%', '0.9 0.1'])('refuses %j, naming the input and the value', (raw) => {
    const message = inputError('threshold', () => parseRate('threshold', raw));
    expect(message).toContain(JSON.stringify(raw.trim()));
  });

  it('refuses a lone "%" instead of reading it as 0', () => {
    const message = inputError('threshold', () => parseRate('threshold', '%'));
    expect(message).toContain('"%"');
  });

  it.each(['1.5', '-0.1', '150%', '-1%', '1.0001'])('refuses %j as outside 0–1', (raw) => {
    const message = inputError('threshold', () => parseRate('threshold', raw));
    expect(message).toContain(JSON.stringify(raw.trim()));
    expect(message).toContain('outside');
  });

  it('names whichever input it parses', () => {
    inputError('criteria-thresholds', () => parseRate('criteria-thresholds', 'x'));
  });
});

describe('parseCriteriaThresholds', () => {
  it('reads NAME: RATE lines, skipping blank lines and # comments', () => {
    const raw = ['# per grader', '', 'Exact match: 90%', '   ', '  Fuzzy: 0.5  ', '#Other: 1', 'Judge-0d3f9a2e-1b2c-4d5e-8f90-123456789abc: 1'].join('\n');
    expect(parseCriteriaThresholds('criteria-thresholds', raw)).toEqual([
      { name: 'Exact match', min: 0.9 },
      { name: 'Fuzzy', min: 0.5 },
      { name: 'Judge-0d3f9a2e-1b2c-4d5e-8f90-123456789abc', min: 1 },
    ]);
  });

  it('takes the rate after the last colon, so names may contain colons', () => {
    expect(parseCriteriaThresholds('criteria-thresholds', 'tone: polite: 80%\nns::grader:0.75')).toEqual([
      { name: 'tone: polite', min: 0.8 },
      { name: 'ns::grader', min: 0.75 },
    ]);
  });

  it('accepts CRLF line ends', () => {
    expect(parseCriteriaThresholds('criteria-thresholds', 'a: 1\r\nb: 0\r\n')).toEqual([
      { name: 'a', min: 1 },
      { name: 'b', min: 0 },
    ]);
  });

  it('is empty for an empty or comment-only input', () => {
    expect(parseCriteriaThresholds('criteria-thresholds', '')).toEqual([]);
    expect(parseCriteriaThresholds('criteria-thresholds', '# nothing yet\n\n')).toEqual([]);
  });

  it('refuses a name listed twice', () => {
    const message = inputError('criteria-thresholds', () => parseCriteriaThresholds('criteria-thresholds', 'a: 1\nb: 0.5\na: 0.9'));
    expect(message).toContain('"a"');
    expect(message).toContain('twice');
  });

  it('refuses a line without a colon or without a name, giving its line number', () => {
    const noColon = inputError('criteria-thresholds', () => parseCriteriaThresholds('criteria-thresholds', '# c\n\nExact match 90%'));
    expect(noColon).toContain('line 3');
    expect(noColon).toContain('Exact match 90%');
    const noName = inputError('criteria-thresholds', () => parseCriteriaThresholds('criteria-thresholds', ': 0.5'));
    expect(noName).toContain('line 1');
  });

  it('refuses a missing or bad rate', () => {
    inputError('criteria-thresholds', () => parseCriteriaThresholds('criteria-thresholds', 'Exact match:'));
    const bad = inputError('criteria-thresholds', () => parseCriteriaThresholds('criteria-thresholds', 'Exact match: lots'));
    expect(bad).toContain('lots');
    const high = inputError('criteria-thresholds', () => parseCriteriaThresholds('criteria-thresholds', 'Exact match: 120%'));
    expect(high).toContain('120%');
  });
});

describe('parseMetadata', () => {
  it('reads key=value lines, trimming, skipping blanks and comments, keeping "=" in values', () => {
    const raw = '# extra\n team = evals \n\nurl=https://x.test/?a=b&c=d\nempty=';
    expect(parseMetadata('metadata', raw)).toEqual({ team: 'evals', url: 'https://x.test/?a=b&c=d', empty: '' });
  });

  it('is empty for an empty input', () => {
    expect(parseMetadata('metadata', '')).toEqual({});
  });

  it('accepts keys and values at the API limits', () => {
    const key = 'k'.repeat(METADATA_MAX_KEY_CHARS);
    const value = 'v'.repeat(METADATA_MAX_VALUE_CHARS);
    expect(parseMetadata('metadata', `${key}=${value}`)).toEqual({ [key]: value });
  });

  it('refuses a key of 65 characters', () => {
    const message = inputError('metadata', () => parseMetadata('metadata', `${'k'.repeat(65)}=v`));
    expect(message).toContain('65');
    expect(message).toContain(String(METADATA_MAX_KEY_CHARS));
  });

  it('refuses a value of 513 characters, naming its key', () => {
    const message = inputError('metadata', () => parseMetadata('metadata', `team=${'v'.repeat(513)}`));
    expect(message).toContain('"team"');
    expect(message).toContain('513');
    expect(message).toContain(String(METADATA_MAX_VALUE_CHARS));
  });

  it('refuses a key set twice', () => {
    const message = inputError('metadata', () => parseMetadata('metadata', 'a=1\nb=2\n a =3'));
    expect(message).toContain('"a"');
    expect(message).toContain('twice');
  });

  it('refuses a line without "=" or without a key, giving its line number', () => {
    const noEquals = inputError('metadata', () => parseMetadata('metadata', 'a=1\njust text'));
    expect(noEquals).toContain('line 2');
    expect(noEquals).toContain('just text');
    const noKey = inputError('metadata', () => parseMetadata('metadata', '=value'));
    expect(noKey).toContain('line 1');
  });

  // `key in metadata` sees Object.prototype's members: these are ordinary keys, set once.
  it.each(['constructor', 'toString', 'valueOf'])('accepts the ordinary key %j', (key) => {
    const parsed = parseMetadata('metadata', `${key}=x`);
    expect(Object.keys(parsed)).toEqual([key]);
    expect(parsed[key]).toBe('x');
  });
});

describe('parseBaseUrl', () => {
  it('keeps an http(s) URL and drops trailing slashes', () => {
    expect(parseBaseUrl('base-url', 'https://api.openai.com/v1/')).toBe('https://api.openai.com/v1');
    expect(parseBaseUrl('base-url', ' https://res.openai.azure.com/openai/v1// ')).toBe('https://res.openai.azure.com/openai/v1');
    expect(parseBaseUrl('base-url', 'http://127.0.0.1:8080')).toBe('http://127.0.0.1:8080');
    expect(parseBaseUrl('base-url', 'https://acct.services.ai.azure.com/api/projects/p/openai/v1')).toBe(
      'https://acct.services.ai.azure.com/api/projects/p/openai/v1',
    );
  });

  it('refuses another scheme', () => {
    const message = inputError('base-url', () => parseBaseUrl('base-url', 'ftp://files.example.com/v1'));
    expect(message).toContain('ftp:');
  });

  it('refuses a URL without a scheme, showing it', () => {
    const message = inputError('base-url', () => parseBaseUrl('base-url', 'api.openai.com/v1'));
    expect(message).toContain('api.openai.com/v1');
  });

  it('refuses credentials in the URL without echoing them', () => {
    const message = inputError('base-url', () => parseBaseUrl('base-url', 'https://user:s3cr3t-pass@api.example.com/v1'));
    expect(message).toContain('api-key');
    expect(message).not.toContain('s3cr3t-pass');
    inputError('base-url', () => parseBaseUrl('base-url', 'https://token@api.example.com/v1'));
  });
});

describe('parsePositiveNumber', () => {
  it('reads positive numbers, fractions included', () => {
    expect(parsePositiveNumber('timeout-minutes', '60', 'minutes', 10080)).toBe(60);
    expect(parsePositiveNumber('timeout-minutes', ' 0.5 ', 'minutes', 10080)).toBe(0.5);
  });

  it.each(['0', '-1', 'abc', '', ' ', 'Infinity'])('refuses %j, naming the input, the value and the unit', (raw) => {
    const message = inputError('poll-interval', () => parsePositiveNumber('poll-interval', raw, 'seconds', 10080));
    expect(message).toContain(JSON.stringify(raw.trim()));
    expect(message).toContain('seconds');
  });
});

describe('parseCount', () => {
  it('reads whole numbers, zero included', () => {
    expect(parseCount('report-items', '20')).toBe(20);
    expect(parseCount('report-items', ' 0 ')).toBe(0);
  });

  it.each(['-1', '1.5', 'ten', '', '1e3'])('refuses %j', (raw) => {
    const message = inputError('report-items', () => parseCount('report-items', raw));
    expect(message).toContain(JSON.stringify(raw));
  });
});

describe('parseBoolean', () => {
  it.each(['true', 'TRUE', 'True', ' yes ', 'on', '1'])('reads %j as true', (raw) => {
    expect(parseBoolean('comment', raw)).toBe(true);
  });

  it.each(['false', 'FALSE', 'no', 'off', '0'])('reads %j as false', (raw) => {
    expect(parseBoolean('comment', raw)).toBe(false);
  });

  it.each(['', 'maybe', 'truee'])('refuses %j', (raw) => {
    const message = inputError('comment', () => parseBoolean('comment', raw));
    expect(message).toContain(JSON.stringify(raw));
  });
});
