import * as E from 'fp-ts/Either';
import * as RA from 'fp-ts/ReadonlyArray';
import { pipe } from 'fp-ts/function';
import { isLocalDate, type LocalDate } from '../primitives/localDate';
import type { RuleSet, RuleSetData } from './ruleSet';

export type RuleSetNotFound = {
  readonly _tag: 'RuleSetNotFound';
  /**
   * - `unknownId`: the school year recorded an id that is not in the list;
   * - `noneInEffect`: no rule set is in force on the date;
   * - `ambiguous`: several are (the list has overlapping periods);
   * - `invalidDate`: the date is not a real `YYYY-MM-DD`.
   */
  readonly reason: 'unknownId' | 'noneInEffect' | 'ambiguous' | 'invalidDate';
  readonly recordedRuleSetId: string | null;
  readonly date: string;
  readonly candidates: ReadonlyArray<string>;
  readonly message: string;
};

/** True when the rule set is in force on `date` (`from` inclusive, `until` exclusive). */
export const isInEffect = (ruleSet: RuleSetData, date: LocalDate): boolean =>
  (ruleSet.effective.from === null || ruleSet.effective.from <= date) &&
  (ruleSet.effective.until === null || date < ruleSet.effective.until);

/**
 * The rule set for a term (or half-year):
 * 1. if the school year recorded a rule-set id when it was opened, that rule set, found by id,
 *    whatever its dates: the record is what the school agreed to, and recomputing a 2019 term
 *    must give the 2019 answer even after the catalogue's dates are corrected. An unknown id is
 *    an error, never a silent fall-back to dates;
 * 2. otherwise the one rule set in effect on `date`, the period's start date. None or several
 *    is an error: an embedding system overrides a shipped set by replacing it in the list (or by
 *    moving the Kazakhstan boundary dates), not by adding an overlapping one.
 */
export const chooseRuleSet = (
  ruleSets: ReadonlyArray<RuleSet>,
  query: { readonly recordedRuleSetId?: string | undefined; readonly date: LocalDate },
): E.Either<RuleSetNotFound, RuleSet> => {
  const recorded = query.recordedRuleSetId ?? null;
  const notFound = (reason: RuleSetNotFound['reason'], candidates: ReadonlyArray<string>, message: string): RuleSetNotFound => ({
    _tag: 'RuleSetNotFound',
    reason,
    recordedRuleSetId: recorded,
    date: query.date,
    candidates,
    message,
  });
  if (recorded !== null)
    return pipe(
      ruleSets,
      RA.findFirst((rs) => rs.id === recorded),
      E.fromOption(() =>
        notFound('unknownId', ruleSets.map((rs) => rs.id), `no rule set with the recorded id "${recorded}" (known: ${ruleSets.map((rs) => rs.id).join(', ') || 'none'})`),
      ),
    );
  if (!isLocalDate(query.date)) return E.left(notFound('invalidDate', [], `"${query.date}" is not a date YYYY-MM-DD`));
  const inEffect = ruleSets.filter((rs) => isInEffect(rs, query.date));
  const [only, ...others] = inEffect;
  if (only === undefined) return E.left(notFound('noneInEffect', [], `no rule set is in effect on ${query.date}`));
  return others.length === 0
    ? E.right(only)
    : E.left(notFound('ambiguous', inEffect.map((rs) => rs.id), `several rule sets are in effect on ${query.date}: ${inEffect.map((rs) => rs.id).join(', ')}`));
};
