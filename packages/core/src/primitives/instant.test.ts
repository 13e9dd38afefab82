import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isInstant } from './instant';

const two = (n: number): string => String(n).padStart(2, '0');

describe('isInstant', () => {
  it('accepts exactly the texts that name a real UTC time in the canonical form (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1000, max: 9999 }),
        fc.integer({ min: 0, max: 13 }),
        fc.integer({ min: 0, max: 32 }),
        fc.integer({ min: 0, max: 25 }),
        fc.integer({ min: 0, max: 61 }),
        fc.integer({ min: 0, max: 61 }),
        fc.constantFrom('', '.000', '.5', '.123456789'),
        (year, month, day, hour, minute, second, fraction) => {
          const text = `${year}-${two(month)}-${two(day)}T${two(hour)}:${two(minute)}:${two(second)}${fraction}Z`;
          // Date.UTC rolls over out-of-range fields: the fields name a real time exactly when they come back unchanged.
          const at = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
          const real =
            at.getUTCFullYear() === year && at.getUTCMonth() === month - 1 && at.getUTCDate() === day && at.getUTCHours() === hour && at.getUTCMinutes() === minute && at.getUTCSeconds() === second;
          expect(isInstant(text)).toBe(real);
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('refuses the forms Date.parse accepts for another time: 30 February, 31 April, 24:00', () => {
    for (const text of ['2021-02-30T10:00:00Z', '2021-02-29T00:00:00Z', '2021-04-31T00:00:00Z', '2021-03-15T24:00:00Z', '2021-03-15T24:00:00.000Z'])
      expect([text, isInstant(text)]).toEqual([text, false]);
    for (const text of ['2024-02-29T00:00:00Z', '2021-03-15T23:59:59.999Z', '2000-02-29T12:00:00Z']) expect([text, isInstant(text)]).toEqual([text, true]);
    expect(isInstant('1900-02-29T00:00:00Z')).toBe(false);
  });
});
