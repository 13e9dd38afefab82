import type * as E from 'fp-ts/Either';
import { chooseRuleSet, type RuleSetNotFound } from '../rules/chooseRuleSet';
import { isHalfYearSubject } from '../rules/periodResult';
import type { RuleSet } from '../rules/ruleSet';
import type { JournalClass, JournalSubject } from './schoolLedger';

/*
 * The rules a class is read under: the rule set whose id its calendar recorded when the class
 * was opened (so a 2019 term is recomputed under the 2019 rules). The rule sets are an input of
 * the queries, never looked up elsewhere.
 */

/** The rule set a class's calendar recorded, found in the given rule sets. */
export const ruleSetOfClass = (ruleSets: ReadonlyArray<RuleSet>, cls: JournalClass): E.Either<RuleSetNotFound, RuleSet> =>
  chooseRuleSet(ruleSets, { recordedRuleSetId: cls.calendar.ruleSetId, date: cls.calendar.startsOn });

/** True when the subject is graded per half-year under the rule set (false when the rule set is unknown). */
export const isGradedPerHalfYear = (ruleSet: E.Either<RuleSetNotFound, RuleSet>, subject: JournalSubject): boolean =>
  ruleSet._tag === 'Right' && isHalfYearSubject(ruleSet.right, subject.hoursPerWeek);

/** Classes in a stable order, whatever order the streams were interleaved in: school year, then class id. */
export const byYearAndClass = (a: JournalClass, b: JournalClass): number =>
  a.startYear - b.startYear || (a.classId < b.classId ? -1 : a.classId > b.classId ? 1 : 0);
