/**
 * The fast paths of canonical JSON must agree with the definition: the one-pass check of a
 * line (isCertainlyCanonical) never calls a non-canonical text canonical, and it does call
 * canonical what archives hold; the serializer gives the same text however members are ordered.
 */
import * as fc from 'fast-check';
import * as E from 'fp-ts/Either';
import { describe, expect, it } from 'vitest';
import { canonicalBytesWriter, canonicalJson, canonicalJsonUnsafe, isCertainlyCanonical } from './canonicalJson';

const bytesOf = (text: string): Buffer => Buffer.from(text, 'utf8');

/** The definition: a text is canonical when re-serializing what it parses to gives it back. */
const isCanonical = (text: string): boolean => {
  const again = canonicalJson(JSON.parse(text));
  return E.isRight(again) && again.right === text;
};

/** JSON texts near canonical ones: other member orders, whitespace, other escapes and number forms. */
const arbNearCanonical: fc.Arbitrary<string> = fc
  .tuple(
    fc.jsonValue(),
    fc.constantFrom('canonical', 'stringify', 'indented', 'reversed'),
    fc.array(
      fc.tuple(
        fc.nat(),
        fc.constantFrom(' ', '\\/', '\\u0041', '\\u001F', '\\u001f', '\\u0008', '\\b', '\\ud83d\\ude00', '😀', '-0', '1.0', '1e2', '1E2', '12345678901234567', '0', ',', '"a":1,', '"\u20ac":1,', '"\\"":1,'),
      ),
      { maxLength: 3 },
    ),
  )
  .map(([value, form, edits]) => {
    const canonical = E.getOrElse(() => 'null')(canonicalJson(JSON.parse(JSON.stringify(value))));
    const reversed = (v: unknown): unknown =>
      Array.isArray(v) ? v.map(reversed) : typeof v === 'object' && v !== null ? Object.fromEntries(Object.entries(v).reverse().map(([k, x]) => [k, reversed(x)])) : v;
    let text = form === 'canonical' ? canonical : form === 'stringify' ? JSON.stringify(value) : form === 'indented' ? JSON.stringify(value, null, 1) : JSON.stringify(reversed(JSON.parse(canonical)));
    for (const [at, insert] of edits) {
      const position = at % (text.length + 1);
      text = text.slice(0, position) + insert + text.slice(position);
    }
    return text;
  })
  .filter((text) => {
    try {
      JSON.parse(text);
      return true;
    } catch {
      return false;
    }
  });

describe('isCertainlyCanonical', () => {
  it('never calls a text canonical that is not (property)', () => {
    fc.assert(
      fc.property(fc.oneof(arbNearCanonical, fc.jsonValue().map((v) => JSON.stringify(v))), (text) => {
        // The check reads bytes, which a verifier has already decoded as UTF-8 (a lone
        // surrogate has no UTF-8 form: Buffer.from would write U+FFFD): judge the text those bytes hold.
        const bytes = bytesOf(text);
        if (isCertainlyCanonical(bytes)) expect(isCanonical(bytes.toString('utf8'))).toBe(true);
      }),
      { numRuns: 5000 },
    );
  });

  it('calls canonical the canonical text of any value with ASCII member names and integers (property)', () => {
    const asciiKey = fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-'.split('')), maxLength: 12 });
    const leaf = fc.oneof(fc.string({ unit: 'binary' }).filter((s) => (s as unknown as { isWellFormed: () => boolean }).isWellFormed()), fc.integer(), fc.boolean(), fc.constant(null), fc.constantFrom(-1, 0, 999_999_999_999_999));
    const { value } = fc.letrec((tie) => ({
      value: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('value')), fc.dictionary(asciiKey, tie('value'))),
    }));
    fc.assert(
      fc.property(value, (v) => {
        const canonical = canonicalJson(v);
        if (E.isLeft(canonical)) throw new Error(canonical.left.message);
        expect(isCertainlyCanonical(bytesOf(canonical.right))).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('finds the usual departures from canonical form', () => {
    for (const text of ['{"b":1,"a":2}', '{"a":1,"a":2}', '{"a": 1}', ' {"a":1}', '{"a":1.0}', '{"a":-0}', '{"a":1e2}', '{"a":"\\/"}', '{"a":"\\u0041"}', '{"a":"\\u000A"}', '{"a":"\\u000a"}', '[1 ,2]'])
      expect([text, isCertainlyCanonical(bytesOf(text))]).toEqual([text, false]);
    for (const text of ['{"a":1,"b":[true,false,null,"x\\n\\u001f\\"\\\\"],"c":{}}', '[]', '"é"', '-12', '{"A":1,"_":2,"a":3}'])
      expect([text, isCertainlyCanonical(bytesOf(text))]).toEqual([text, true]);
  });
});

describe('canonicalBytesWriter', () => {
  const reference = (value: unknown): E.Either<unknown, string> => {
    try {
      return E.right(canonicalJsonUnsafe(value));
    } catch (error) {
      return E.left(error);
    }
  };
  // Values of a few recurring shapes (as an archive's events are), in any member order, and anything at all.
  const shaped = fc.record({ b: fc.oneof(fc.integer(), fc.string()), a: fc.oneof(fc.constant(undefined), fc.boolean(), fc.array(fc.record({ y: fc.string(), x: fc.integer() }))), c: fc.dictionary(fc.string(), fc.jsonValue()) }, { requiredKeys: ['b'] });
  const anyValue = fc.oneof(shaped, shaped.map((r) => Object.fromEntries(Object.entries(r).reverse())), fc.jsonValue(), fc.anything({ withNullPrototype: true, withObjectString: true }), fc.constantFrom(Number.NaN, 1.5, -0, 1e21, 'a\ud800', { k: undefined }, [undefined], { '\ud800': 1 }));

  it('canonicalBytesWriter appends exactly the UTF-8 bytes of canonicalJson\'s text, or throws its error and appends nothing (property)', () => {
    fc.assert(
      // Strings of every kind too: escapes, DEL, two- and three-byte characters, surrogate pairs and lone halves.
      fc.property(fc.array(fc.oneof(anyValue, fc.string({ unit: 'binary' }), fc.dictionary(fc.string({ unit: 'binary' }), fc.string({ unit: fc.constantFrom('a', '"', '\\', '\u0000', '\u001f', '\u007f', '\u00e9', '\u20ac', '\ud83d', '\ude00', '\ud83d\ude00') }))), { maxLength: 30 }), fc.integer({ min: 1, max: 64 }), (values, capacity) => {
        // A small buffer, so that it grows in the middle of values too.
        const writer = canonicalBytesWriter(capacity);
        const expected: Buffer[] = [];
        for (const value of values) {
          const before = writer.position();
          let written: E.Either<unknown, string>;
          try {
            writer.value(value);
            written = E.right(writer.buffer().toString('utf8', before, writer.position()));
          } catch (error) {
            expect(writer.position()).toBe(before);
            written = E.left(error);
          }
          const wanted = reference(value);
          expect(written).toEqual(wanted);
          if (E.isRight(wanted)) expected.push(Buffer.from(wanted.right, 'utf8'));
          writer.text('\n');
          expected.push(Buffer.from('\n'));
        }
        expect(writer.take(16).equals(Buffer.concat(expected))).toBe(true);
        expect(writer.position()).toBe(0);
      }),
      { numRuns: 500 },
    );
  });

  it('agrees with canonicalJson on more shapes than it remembers', () => {
    const writer = canonicalBytesWriter();
    for (let i = 0; i < 50; i++) {
      const value = { [`k${i}`]: i, list: [{ [`m${i % 11}`]: 'x', z: i }], nested: { a: i, [`n${i % 13}`]: null } };
      const before = writer.position();
      writer.value(value);
      expect(writer.buffer().toString('utf8', before, writer.position())).toEqual(E.getOrElse(() => '')(canonicalJson(value)));
    }
  });
});
