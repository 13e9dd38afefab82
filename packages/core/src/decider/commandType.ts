import { formatIssues, showValue, type ValidationIssue } from '../events/validationIssues';

/**
 * Commands often arrive as JSON (a school system's API): their `type` is whatever was sent.
 * A lookup table indexed by it must not find `toString` or `__proto__` on Object.prototype,
 * so a decider asks `isCommandTypeOf` before it reads its table.
 */
export const isCommandTypeOf = <K extends string>(table: Readonly<Record<K, unknown>>, type: unknown): type is K =>
  typeof type === 'string' && Object.prototype.hasOwnProperty.call(table, type);

/** The typed refusal of a command whose `type` this decider does not know (names the value and what was expected). */
export const unknownCommandType = (
  type: unknown,
  expected: ReadonlyArray<string>,
): { readonly kind: 'InvalidCommand'; readonly commandType: string; readonly issues: ReadonlyArray<ValidationIssue>; readonly message: string } => {
  const issues = [{ path: 'type', value: type, expected: `one of ${expected.join(', ')}` }];
  return { kind: 'InvalidCommand', commandType: typeof type === 'string' ? type : showValue(type), issues, message: formatIssues(issues) };
};
