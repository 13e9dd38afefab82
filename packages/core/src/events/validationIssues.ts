import type * as t from 'io-ts';

/** One reason a value failed to decode: where (a dotted path), what was there, what was expected. */
export type ValidationIssue = {
  readonly path: string;
  readonly value: unknown;
  readonly expected: string;
};

// Keys under these codecs are field names or array indexes; keys under unions and
// intersections are branch numbers, which mean nothing to a reader.
const STRUCTURAL_TAGS = new Set([
  'InterfaceType',
  'StrictType',
  'ExactType',
  'PartialType',
  'ArrayType',
  'ReadonlyArrayType',
  'DictionaryType',
  'TupleType',
]);

// t.readonly and t.refinement validate with their inner codec and the same context entry, so
// the entry names the wrapper: look through it to the codec that produced the keys.
const WRAPPER_TAGS = new Set(['ReadonlyType', 'RefinementType']);

type Tagged = { readonly _tag?: string; readonly type?: unknown };

const structuralTagOf = (type: unknown): string | undefined => {
  let current = type as Tagged | undefined;
  while (current?._tag !== undefined && WRAPPER_TAGS.has(current._tag)) current = current.type as Tagged | undefined;
  return current?._tag;
};

const pathOf = (context: t.Context): string =>
  context
    .slice(1)
    .filter((entry, index) => {
      const tag = structuralTagOf(context[index]?.type);
      return tag !== undefined && STRUCTURAL_TAGS.has(tag);
    })
    .map((entry) => entry.key)
    .join('.');

/** Turns io-ts errors into issues naming the field, the value and what was expected. */
export const validationIssues = (errors: t.Errors): ReadonlyArray<ValidationIssue> => {
  const seen = new Set<string>();
  const issues: ValidationIssue[] = [];
  for (const error of errors) {
    const last = error.context[error.context.length - 1];
    const expected = error.message ?? `a ${last?.type.name ?? 'valid value'}`;
    const path = pathOf(error.context);
    const key = `${path}|${expected}`;
    if (seen.has(key)) continue;
    seen.add(key);
    issues.push({ path: path === '' ? '(root)' : path, value: error.value, expected });
  }
  return issues;
};

/**
 * A value as a reader sees it in a message, short; never throws, whatever came in (a cycle, a
 * BigInt, an object whose `toString` is not a function).
 */
export const showValue = (value: unknown): string => {
  if (value === undefined) return 'nothing';
  try {
    const text = JSON.stringify(value);
    if (text === undefined) return typeof value === 'function' ? 'a function' : typeof value;
    return text.length > 80 ? `${text.slice(0, 77)}...` : text;
  } catch {
    return Object.prototype.toString.call(value);
  }
};

/** One line per issue: `data.mark: expected an integer from 1 to 10, got 11`. */
export const formatIssues = (issues: ReadonlyArray<ValidationIssue>): string =>
  issues
    .map((issue) => {
      const expected = issue.expected.startsWith('expected') ? issue.expected : `expected ${issue.expected}`;
      return `${issue.path}: ${expected}, got ${showValue(issue.value)}`;
    })
    .join('; ');
