import * as E from 'fp-ts/Either';
import { pipe } from 'fp-ts/function';
import type { Command } from '../commandHandling/command';
import type { Decider } from '../decider/decider';
import { unknownCommandType } from '../decider/commandType';
import { SchoolYearOpened, type SchoolYearOpenedData } from '../events/calendar';
import type { Actor } from '../events/metadata';
import type { EventPayload, LedgerEvent } from '../events/registry';
import type { ClassCalendar } from '../events/roster';
import { formatIssues, validationIssues, type ValidationIssue } from '../events/validationIssues';
import { isWithinRange } from '../primitives/localDate';

/** The name of a school year's stream. */
export const schoolYearStreamId = (schoolYearId: string): string => `schoolYear-${schoolYearId}`;

export type OpenSchoolYear = Command<'OpenSchoolYear', SchoolYearOpenedData>;
export type SchoolYearCommand = OpenSchoolYear;

export type SchoolYearState =
  | { readonly status: 'notOpened' }
  | { readonly status: 'open'; readonly year: SchoolYearOpenedData };

export type SchoolYearError =
  | { readonly kind: 'InvalidCommand'; readonly commandType: string; readonly issues: ReadonlyArray<ValidationIssue>; readonly message: string }
  | { readonly kind: 'SchoolYearAlreadyOpened'; readonly schoolYearId: string; readonly message: string }
  | { readonly kind: 'InvalidCalendar'; readonly field: string; readonly value: unknown; readonly message: string }
  | { readonly kind: 'UnknownRuleSet'; readonly ruleSetId: string; readonly message: string }
  | { readonly kind: 'NotEntitled'; readonly actor: Actor; readonly action: string; readonly resource: string; readonly message: string };

const invalidCalendar = (field: string, value: unknown, why: string): SchoolYearError => ({
  kind: 'InvalidCalendar',
  field,
  value,
  message: `${field} ${JSON.stringify(value)}: ${why}`,
});

/** What is wrong with a calendar: the field, its value and why. */
export type CalendarProblem = { readonly field: string; readonly value: unknown; readonly why: string };

/**
 * Checks that the terms and half-years are numbered 1.., ordered, inside the year and not
 * overlapping, and (when the year has half-years) that every term lies within one half-year.
 */
export const calendarProblem = (calendar: Pick<ClassCalendar, 'startsOn' | 'endsOn' | 'terms' | 'halfYears'>): CalendarProblem | undefined => {
  if (calendar.startsOn > calendar.endsOn) return { field: 'endsOn', value: calendar.endsOn, why: 'the year ends before it starts' };
  if (calendar.terms.length === 0) return { field: 'terms', value: calendar.terms, why: 'a school year needs at least one term' };
  for (const [name, periods] of [['terms', calendar.terms], ['halfYears', calendar.halfYears]] as const) {
    for (const [index, period] of periods.entries()) {
      const field = `${name}.${index}`;
      if (period.number !== index + 1) return { field: `${field}.number`, value: period.number, why: `expected ${index + 1}` };
      if (period.startsOn > period.endsOn) return { field: `${field}.endsOn`, value: period.endsOn, why: 'ends before it starts' };
      if (!isWithinRange(period.startsOn, calendar) || !isWithinRange(period.endsOn, calendar))
        return { field, value: `${period.startsOn}..${period.endsOn}`, why: `outside the school year ${calendar.startsOn}..${calendar.endsOn}` };
      const previous = periods[index - 1];
      if (previous !== undefined && period.startsOn <= previous.endsOn)
        return { field: `${field}.startsOn`, value: period.startsOn, why: `overlaps ${name} ${previous.number}, which ends ${previous.endsOn}` };
    }
  }
  // Subjects graded per half-year take their marks by the lesson's date: a term day outside every
  // half-year would hold marks that count in no half-year grade.
  if (calendar.halfYears.length > 0)
    for (const [index, term] of calendar.terms.entries())
      if (!calendar.halfYears.some((half) => half.startsOn <= term.startsOn && term.endsOn <= half.endsOn))
        return { field: `terms.${index}`, value: `${term.startsOn}..${term.endsOn}`, why: 'not inside one half-year: every term must lie within a single half-year' };
  return undefined;
};

const checkCalendar = (year: SchoolYearOpenedData): E.Either<SchoolYearError, SchoolYearOpenedData> => {
  if (Number(year.startsOn.slice(0, 4)) !== year.startYear)
    return E.left(invalidCalendar('startsOn', year.startsOn, `expected a date in ${year.startYear}, the year's startYear`));
  const problem = calendarProblem(year);
  return problem === undefined ? E.right(year) : E.left(invalidCalendar(problem.field, problem.value, problem.why));
};

/**
 * The decider of a school year's stream: the year's calendar and its rule set, set once by
 * the director (or by an import, as `system`).
 */
export const schoolYearDecider = (
  knownRuleSetIds: ReadonlyArray<string>,
): Decider<SchoolYearState, SchoolYearCommand, EventPayload, LedgerEvent, SchoolYearError> => ({
  decide: (command, state) =>
    // The one command of this stream; any other type (from JSON) is refused, not read as it.
    command.type !== 'OpenSchoolYear'
      ? E.left(unknownCommandType(command.type, ['OpenSchoolYear']))
      : pipe(
          SchoolYearOpened.data.decode(command.data),
          E.mapLeft((errors): SchoolYearError => {
            const issues = validationIssues(errors).map((i) => ({ ...i, path: i.path === '(root)' ? 'data' : `data.${i.path}` }));
            return { kind: 'InvalidCommand', commandType: command.type, issues, message: `${command.type}: ${formatIssues(issues)}` };
          }),
          E.chain((data) => {
            const actor = command.metadata.actor;
            if (!['director', 'deputyDirector', 'system'].includes(actor.role))
              return E.left<SchoolYearError>({ kind: 'NotEntitled', actor, action: 'open school years', resource: `school year ${data.schoolYearId}`, message: `${actor.role} ${actor.id} may not open school years` });
            if (state.status === 'open')
              return E.left<SchoolYearError>({ kind: 'SchoolYearAlreadyOpened', schoolYearId: state.year.schoolYearId, message: `school year ${state.year.schoolYearId} is already opened` });
            if (!knownRuleSetIds.includes(data.ruleSetId))
              return E.left<SchoolYearError>({ kind: 'UnknownRuleSet', ruleSetId: data.ruleSetId, message: `rule set ${data.ruleSetId} is not one of ${knownRuleSetIds.join(', ')}` });
            return checkCalendar(data);
          }),
          E.map((data): ReadonlyArray<EventPayload> => [{ type: 'SchoolYearOpened', data }]),
        ),
  evolve: (state, event) => (event.type === 'SchoolYearOpened' ? { status: 'open', year: event.data } : state),
  initialState: () => ({ status: 'notOpened' }),
});

/** The calendar a class of this year is opened with. */
export const classCalendarOf = (year: SchoolYearOpenedData): ClassCalendar => ({
  schoolYearId: year.schoolYearId,
  startsOn: year.startsOn,
  endsOn: year.endsOn,
  terms: year.terms,
  halfYears: year.halfYears,
  ruleSetId: year.ruleSetId,
});
