import { describe, expect, it } from 'vitest';
import { retryAfterMs } from '../../../src/shared/retry-after.ts';

describe('retryAfterMs', () => {
  const headers = (entries: Record<string, string>) => new Headers(entries);

  it('takes retry-after-ms: 0 as "now", and never a negative wait', () => {
    expect(retryAfterMs(headers({ 'retry-after-ms': '0', 'retry-after': '9' }))).toBe(0);
    expect(retryAfterMs(headers({ 'retry-after-ms': '-5', 'retry-after': '-3' }))).toBe(0);
  });

  it('reads retry-after-ms first, then retry-after in seconds or as an HTTP date', () => {
    expect(retryAfterMs(headers({ 'retry-after-ms': '1500', 'retry-after': '9' }))).toBe(1500);
    expect(retryAfterMs(headers({ 'retry-after': '20' }))).toBe(20_000);
    expect(retryAfterMs(headers({ 'retry-after': '0.5' }))).toBe(500);
    const now = Date.parse('2026-05-01T10:00:00Z');
    expect(retryAfterMs(headers({ 'retry-after': 'Fri, 01 May 2026 10:00:30 GMT' }), now)).toBe(30_000);
    expect(retryAfterMs(headers({ 'retry-after': 'Fri, 01 May 2026 09:00:00 GMT' }), now)).toBe(0);
  });

  it('is null when there is nothing usable', () => {
    expect(retryAfterMs(headers({ 'retry-after-ms': '' }))).toBeNull();
    expect(retryAfterMs(null)).toBeNull();
    expect(retryAfterMs(headers({}))).toBeNull();
    expect(retryAfterMs(headers({ 'retry-after': 'soon' }))).toBeNull();
  });
});
