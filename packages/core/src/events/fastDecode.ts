import * as E from 'fp-ts/Either';
import type * as t from 'io-ts';
import { IdCodec } from '../primitives/ids';
import { InstantCodec, isCalendarTime } from '../primitives/instant';
import { decodeEvent, type EventDecodeError } from './decodeEvent';
import { ledgerEventCodec, type EventDefinition } from './ledgerEvent';
import { eventDefinitions, type LedgerEvent } from './registry';

/*
 * A fast path for decodeEvent, for archives and stores that hold millions of events already
 * valid: a check derived from the same io-ts codecs that says, without building anything,
 * "this value decodes, and decoding gives back the value itself". io-ts' decode allocates an
 * Either per field and copies on the way; the check builds nothing (it only reads).
 *
 * The check may say no to a value the codec would accept (e.g. one with members an exact
 * codec strips, or a codec shape it does not know): that value then goes through decodeEvent,
 * which decides and names the field. It never says yes to a value decodeEvent would refuse or
 * change; a property test holds it to that (events.test.ts).
 */

/** True when the value decodes with the codec and comes out unchanged. */
type Check = (value: unknown) => boolean;

const never: Check = () => false;

/** The members of an object codec: required and optional, and whether unknown ones are stripped. */
type Shape = {
  readonly required: ReadonlyArray<readonly [string, Check, t.Mixed]>;
  readonly optional: ReadonlyArray<readonly [string, Check, t.Mixed]>;
  readonly exact: boolean;
};

type Tagged = t.Mixed & {
  readonly _tag?: string;
  readonly type?: t.Mixed;
  readonly types?: ReadonlyArray<t.Mixed>;
  readonly props?: Readonly<Record<string, t.Mixed>>;
};

const tagOf = (codec: t.Mixed): string | undefined => (codec as Tagged)._tag;

/** Codecs whose decode is `is(u) ? success(u) : failure`: io-ts' primitives and our own (ids, dates, bounded numbers and text). */
const LEAF_TAGS = new Set(['LiteralType', 'KeyofType', 'NullType', 'StringType', 'NumberType', 'BooleanType']);

const isLeaf = (codec: t.Mixed): boolean => {
  const tag = tagOf(codec);
  // Our own `new t.Type(name, is, validate)` codecs have no tag; each decodes with its `is`.
  if (tag === undefined) return true;
  if (LEAF_TAGS.has(tag)) return true;
  return tag === 'RefinementType' && isLeaf((codec as Tagged).type as t.Mixed);
};

const shapeOf = (codec: t.Mixed): Shape | undefined => {
  const c = codec as Tagged;
  switch (c._tag) {
    case 'ReadonlyType':
      return shapeOf(c.type as t.Mixed);
    case 'InterfaceType':
      return { required: Object.entries(c.props ?? {}).map(([key, member]) => [key, checkOf(member), member] as const), optional: [], exact: false };
    case 'PartialType':
      return { required: [], optional: Object.entries(c.props ?? {}).map(([key, member]) => [key, checkOf(member), member] as const), exact: false };
    case 'ExactType': {
      const inner = shapeOf(c.type as t.Mixed);
      return inner === undefined ? undefined : { ...inner, exact: true };
    }
    case 'IntersectionType': {
      const shapes = (c.types ?? []).map(shapeOf);
      if (shapes.length === 0 || shapes.some((s) => s === undefined)) return undefined;
      const all = shapes as ReadonlyArray<Shape>;
      // io-ts merges the members' results: exact members together keep the union of their
      // members. A mix of exact and open members is not handled here (decodeEvent decides).
      const exact = all.every((s) => s.exact);
      if (!exact && all.some((s) => s.exact)) return undefined;
      return { required: all.flatMap((s) => s.required), optional: all.flatMap((s) => s.optional), exact };
    }
    default:
      return undefined;
  }
};

const isPlainObject = (value: unknown): value is Record<string, unknown> => {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
};

const objectCheck = (shape: Shape): Check => {
  const requiredKeys = shape.required.map(([key]) => key);
  const requiredChecks = shape.required.map(([, check]) => check);
  const distinctRequired = new Set(requiredKeys);
  const optionalKeys = shape.optional.map(([key]) => key);
  const optionalChecks = shape.optional.map(([, check]) => check);
  // An optional member also required is counted once, with the required ones.
  const optionalCounts = optionalKeys.map((key, i) => !distinctRequired.has(key) && optionalKeys.indexOf(key) === i);
  const { exact } = shape;
  const requiredCount = distinctRequired.size;
  return (value) => {
    if (!isPlainObject(value)) return false;
    for (let i = 0; i < requiredKeys.length; i++) {
      const member = value[requiredKeys[i] as string];
      if (member === undefined || !(requiredChecks[i] as Check)(member)) return false;
    }
    let present = 0;
    for (let i = 0; i < optionalKeys.length; i++) {
      const member = value[optionalKeys[i] as string];
      if (member === undefined) {
        // An own member holding undefined: rare, left to decodeEvent.
        if (Object.prototype.hasOwnProperty.call(value, optionalKeys[i] as string)) return false;
        continue;
      }
      if (!(optionalChecks[i] as Check)(member)) return false;
      if (optionalCounts[i] === true) present += 1;
    }
    // Exact codecs strip members they do not know: with any such member the decoded value
    // would differ, so the check says no.
    return !exact || Object.keys(value).length === requiredCount + present;
  };
};

const arrayCheck = (item: Check): Check => (value) => {
  if (!Array.isArray(value)) return false;
  for (let i = 0; i < value.length; i++) if (!item(value[i])) return false;
  return true;
};

/**
 * io-ts decodes a union with its first member that accepts the value: a later member's check
 * may only answer when every earlier member refuses it (their `is` says whether they accept).
 */
const unionCheck = (members: ReadonlyArray<t.Mixed>): Check => {
  const checks = members.map(checkOf);
  return (value) => {
    for (let i = 0; i < members.length; i++) {
      if ((checks[i] as Check)(value)) return true;
      if ((members[i] as t.Mixed).is(value)) return false;
    }
    return false;
  };
};

const isIdChar = (c: number): boolean =>
  (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c === 0x2e || c === 0x5f || c === 0x3a || c === 0x2d;
const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;

/** isId without a regular expression (the ledger's most frequent leaf): /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/. */
export const isIdQuick = (value: unknown): boolean => {
  if (typeof value !== 'string' || value.length === 0 || value.length > 128) return false;
  const first = value.charCodeAt(0);
  if (!((first >= 0x61 && first <= 0x7a) || (first >= 0x41 && first <= 0x5a) || isDigit(first))) return false;
  for (let i = 1; i < value.length; i++) if (!isIdChar(value.charCodeAt(i))) return false;
  return true;
};

/** The shape of an instant, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/, without a regular expression. */
const INSTANT_SHAPE = 'dddd-dd-ddTdd:dd:dd';
const hasInstantShape = (value: string): boolean => {
  const n = value.length;
  if (n < 20 || n === 21 || n > 30 || value.charCodeAt(n - 1) !== 0x5a) return false;
  for (let i = 0; i < 19; i++) {
    const c = value.charCodeAt(i);
    const want = INSTANT_SHAPE.charCodeAt(i);
    if (want === 0x64 ? !isDigit(c) : c !== want) return false;
  }
  if (n === 20) return true;
  if (value.charCodeAt(19) !== 0x2e) return false;
  for (let i = 20; i < n - 1; i++) if (!isDigit(value.charCodeAt(i))) return false;
  return true;
};

/** isInstant without a regular expression (tested against isInstant). */
export const isInstantQuick = (value: unknown): boolean => typeof value === 'string' && hasInstantShape(value) && isCalendarTime(value);

/** Leaves met in every event, checked by equivalent code without regular expressions (tested against the codecs' own `is`). */
const quickLeaves = new Map<t.Mixed, Check>([
  [IdCodec as t.Mixed, isIdQuick],
  [InstantCodec as t.Mixed, isInstantQuick],
]);

/** The check of a codec; `never` for shapes it does not know (decodeEvent then decides). */
const checkOf = (codec: t.Mixed): Check => {
  const quick = quickLeaves.get(codec);
  if (quick !== undefined) return quick;
  if (isLeaf(codec)) return (value) => codec.is(value);
  const c = codec as Tagged;
  switch (c._tag) {
    case 'ReadonlyType':
      return checkOf(c.type as t.Mixed);
    case 'ArrayType':
    case 'ReadonlyArrayType':
      return arrayCheck(checkOf(c.type as t.Mixed));
    case 'UnionType':
    case 'TaggedUnionType':
      return unionCheck(c.types ?? []);
    case 'InterfaceType':
    case 'PartialType':
    case 'ExactType':
    case 'IntersectionType': {
      const shape = shapeOf(codec);
      return shape === undefined ? never : objectCheck(shape);
    }
    default:
      return never;
  }
};

/*
 * The same checks as straight-line code, one function per event type: the closures above call
 * one another through megamorphic call sites, which costs more than the checks themselves.
 * The generated code follows `checkOf` construct by construct and calls out only for leaves
 * (`leaf[i](v)`) and unions (`union[i](v)`, the closure above); member names are JSON string
 * literals. Where code cannot be generated (a runtime that forbids `new Function`), the closures serve.
 */
const compiledCheck = (codec: t.Mixed): Check | undefined => {
  const leaves: Check[] = [];
  const unions: Check[] = [];
  let names = 0;
  const fresh = (): string => `v${(names += 1)}`;
  const leafCall = (check: Check, v: string): string => `if (!leaf[${leaves.push(check) - 1}](${v})) return false;`;
  const gen = (c: t.Mixed, v: string): string => {
    const quick = quickLeaves.get(c);
    if (quick !== undefined) return leafCall(quick, v);
    if (isLeaf(c)) return leafCall((value) => c.is(value), v);
    const tagged = c as Tagged;
    switch (tagged._tag) {
      case 'ReadonlyType':
        return gen(tagged.type as t.Mixed, v);
      case 'ArrayType':
      case 'ReadonlyArrayType': {
        const i = fresh();
        const item = fresh();
        return `if (!Array.isArray(${v})) return false; for (let ${i} = 0; ${i} < ${v}.length; ${i}++) { const ${item} = ${v}[${i}]; ${gen(tagged.type as t.Mixed, item)} }`;
      }
      case 'UnionType':
      case 'TaggedUnionType':
        return `if (!union[${unions.push(unionCheck(tagged.types ?? [])) - 1}](${v})) return false;`;
      case 'InterfaceType':
      case 'PartialType':
      case 'ExactType':
      case 'IntersectionType': {
        const shape = shapeOf(c);
        if (shape === undefined) return 'return false;';
        const required = new Set(shape.required.map(([key]) => key));
        const present = fresh();
        let out = `if (typeof ${v} !== 'object' || ${v} === null || Array.isArray(${v})) return false; { const p = Object.getPrototypeOf(${v}); if (p !== Object.prototype && p !== null) return false; } let ${present} = 0;`;
        for (const [key, , member] of shape.required) {
          const m = fresh();
          out += ` const ${m} = ${v}[${JSON.stringify(key)}]; if (${m} === undefined) return false; ${gen(member, m)}`;
        }
        const counted = new Set<string>();
        for (const [key, , member] of shape.optional) {
          const m = fresh();
          const counts = !required.has(key) && !counted.has(key);
          counted.add(key);
          out += ` const ${m} = ${v}[${JSON.stringify(key)}]; if (${m} === undefined) { if (Object.prototype.hasOwnProperty.call(${v}, ${JSON.stringify(key)})) return false; } else { ${gen(member, m)} ${counts ? `${present} += 1;` : ''} }`;
        }
        if (shape.exact) out += ` if (Object.keys(${v}).length !== ${required.size} + ${present}) return false;`;
        return out;
      }
      default:
        return 'return false;';
    }
  };
  try {
    const body = `${gen(codec, 'value')} return true;`;
    // eslint-disable-next-line @typescript-eslint/no-implied-eval
    return new Function('leaf', 'union', `return (value) => { ${body} };`)(leaves, unions) as Check;
  } catch {
    return undefined;
  }
};

/**
 * The check of any codec made of the shapes above: true when the value decodes with the codec
 * and comes out unchanged (false may also mean "not known here": then decode it). For readers
 * that hold values decoded once and must know that decoding them again would change nothing.
 */
export const decodesUnchanged = (codec: t.Mixed): ((value: unknown) => boolean) => compiledCheck(codec) ?? checkOf(codec);

// One check per event type, at its current schema version (older versions are upcast by decodeEvent).
const checks = new Map<string, Check>(
  Object.values(eventDefinitions).map((definition) => {
    const codec = ledgerEventCodec(definition as EventDefinition<string, unknown>) as t.Mixed;
    return [definition.type, compiledCheck(codec) ?? checkOf(codec)];
  }),
);

/**
 * True when the value is a ledger event at its type's current schema version that decodeEvent
 * accepts and gives back unchanged (no member it would strip, nothing to upcast).
 */
export const isCurrentLedgerEvent = (value: unknown): value is LedgerEvent => {
  if (typeof value !== 'object' || value === null) return false;
  const check = checks.get((value as { type?: unknown }).type as string);
  return check !== undefined && check(value);
};

/**
 * decodeEvent with a fast path: a value that is already a current, well-formed event is
 * returned as it is (no copy); anything else goes through decodeEvent, whose result (or error,
 * naming the field) this gives. The result deep-equals decodeEvent's.
 */
export const decodeEventFast = (raw: unknown): E.Either<EventDecodeError, LedgerEvent> =>
  isCurrentLedgerEvent(raw) ? E.right(raw) : decodeEvent(raw);
