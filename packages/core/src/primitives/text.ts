import * as t from 'io-ts';

/** Free text of bounded length (a topic, a reason): never empty, at most `max` characters. */
export const boundedText = (max: number, name = `Text(1..${max})`) =>
  new t.Type<string, string, unknown>(
    name,
    (u): u is string => typeof u === 'string' && u.trim().length > 0 && u.length <= max,
    (input, context) =>
      typeof input === 'string' && input.trim().length > 0 && input.length <= max
        ? t.success(input)
        : t.failure(input, context, `expected non-empty text of at most ${max} characters`),
    t.identity,
  );

/** An integer within `min..max`, both included. */
export const intInRange = (min: number, max: number, name = `Integer(${min}..${max})`) =>
  new t.Type<number, number, unknown>(
    name,
    (u): u is number => typeof u === 'number' && Number.isInteger(u) && u >= min && u <= max,
    (input, context) =>
      typeof input === 'number' && Number.isInteger(input) && input >= min && input <= max
        ? t.success(input)
        : t.failure(input, context, `expected an integer from ${min} to ${max}`),
    t.identity,
  );
