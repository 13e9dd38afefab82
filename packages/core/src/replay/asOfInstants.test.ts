import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isInstant } from '../primitives/instant';
import { endOfDay, isRecordedBefore } from './asOf';

/*
 * Texts that name a time in another form than the canonical one: a day past the month's end
 * (`2021-02-30`, which Date.parse takes for 2 March) and the hour 24 (`…T24:00:00Z`, the next
 * midnight). The Instant codec refuses them (no event carries one), but an "as of" instant given
 * to a replay is not decoded: it must still compare as the time it names.
 */

describe('as of an instant given in a form the codec accepts but that is not canonical', () => {
  it('compares 24:00 and days past the month end as the time they name', () => {
    expect(isInstant('2021-03-15T24:00:00Z')).toBe(false);
    expect(isInstant('2021-02-30T10:00:00Z')).toBe(false);
    // 24:00 on the 15th is midnight starting the 16th: not strictly before the end of the 15th.
    expect(isRecordedBefore('2021-03-15T24:00:00Z', endOfDay('2021-03-15'))).toBe(false);
    expect(isRecordedBefore('2021-03-15T23:59:59.999Z', '2021-03-15T24:00:00Z')).toBe(true);
    expect(isRecordedBefore('2021-03-16T00:00:00Z', '2021-03-15T24:00:00.001Z')).toBe(true);
    // 30 February 2021 is 2 March.
    expect(isRecordedBefore('2021-02-30T10:00:00Z', endOfDay('2021-02-28'))).toBe(false);
    expect(isRecordedBefore('2021-02-30T10:00:00Z', endOfDay('2021-03-02'))).toBe(true);
    expect(isRecordedBefore('2021-03-01T10:00:00Z', '2021-02-30T10:00:00Z')).toBe(true);
    expect(isRecordedBefore('2024-02-29T10:00:00Z', '2024-03-01T00:00:00Z')).toBe(true);
  });

  it('is the order of the times named, for any instants of either form', () => {
    const arbNamed = fc
      .record({ ms: fc.integer({ min: Date.UTC(2019, 0, 1), max: Date.UTC(2022, 0, 1) }), form: fc.integer({ min: 0, max: 2 }), millis: fc.boolean() })
      .map(({ ms, form, millis }) => {
        const at = new Date(ms);
        const iso = at.toISOString();
        const tail = millis ? iso.slice(19) : 'Z';
        const y = at.getUTCFullYear();
        const m = at.getUTCMonth();
        const d = at.getUTCDate();
        // The same time as the day past the previous month's end, or at midnight as 24:00 of the day before.
        const previousMonthDays = new Date(Date.UTC(y, m, 0)).getUTCDate();
        if (form === 1 && d <= 3 && previousMonthDays + d <= 31) {
          const py = m === 0 ? y - 1 : y;
          const pm = m === 0 ? 12 : m;
          return { text: `${py}-${String(pm).padStart(2, '0')}-${String(previousMonthDays + d).padStart(2, '0')}${iso.slice(10, 19)}${tail}`, ms: millis ? ms : ms - (ms % 1000) };
        }
        if (form === 2 && iso.slice(11, 23) === '00:00:00.000') {
          const before = new Date(ms - 86_400_000).toISOString();
          return { text: `${before.slice(0, 10)}T24:00:00${tail}`, ms: millis ? ms : ms - (ms % 1000) };
        }
        return { text: `${iso.slice(0, 19)}${tail}`, ms: millis ? ms : ms - (ms % 1000) };
      });
    fc.assert(
      fc.property(arbNamed, arbNamed, (a, b) => {
        expect(Date.parse(a.text)).toBe(a.ms);
        expect(isRecordedBefore(a.text, b.text)).toBe(a.ms < b.ms);
      }),
      { numRuns: 1000 },
    );
  });
});
