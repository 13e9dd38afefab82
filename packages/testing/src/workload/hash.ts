/*
 * Seeds derived from the workload's seed and a few numbers (year, class, pupil, subject), so
 * that each class-year draws from its own generator and a pupil's abilities need no stored
 * state: the same inputs give the same value on every machine.
 */

/** A 32-bit mix of the inputs (murmur3's finalizer over a running combination). */
export const hash32 = (...parts: ReadonlyArray<number>): number => {
  let h = 0x9e3779b9;
  for (const part of parts) {
    h = Math.imul(h ^ (part >>> 0), 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h >>> 0;
};

/** A float in [0, 1) from the inputs. */
export const unitOf = (...parts: ReadonlyArray<number>): number => hash32(...parts) / 4294967296;

/** A stable number for a text (FNV-1a), to mix subject codes into seeds. */
export const textHash = (text: string): number => {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
};
