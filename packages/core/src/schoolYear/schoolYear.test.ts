/**
 * Opening a school year: once, by the director (or an import), under a known rule set, with a
 * calendar whose terms and half-years are numbered, ordered, inside the year and disjoint, each
 * term within one half-year.
 */
import * as E from 'fp-ts/Either';
import { describe, expect, it } from 'vitest';
import { foldEvents } from '../decider/decider';
import type { SchoolYearOpenedData } from '../events/calendar';
import type { Actor } from '../events/metadata';
import { actors, recorded, schoolYear2019 } from '../classJournal/testFixtures';
import { kazakhstanRuleSetIds } from '../rules/kazakhstan';
import { classCalendarOf, schoolYearDecider, schoolYearStreamId, type OpenSchoolYear, type SchoolYearError } from './schoolYear';

const decider = schoolYearDecider(Object.values(kazakhstanRuleSetIds));
const open = (data: SchoolYearOpenedData = schoolYear2019, actor: Actor = actors.director): OpenSchoolYear => ({
  type: 'OpenSchoolYear',
  data,
  metadata: { commandId: 'open-2019', actor, occurredAt: '2019-08-20T04:00:00Z' },
});
const opened = recorded([{ type: 'SchoolYearOpened', data: schoolYear2019 }], actors.director, 'open-2019');

const refused = (command: OpenSchoolYear, kind: SchoolYearError['kind'], ...mentions: ReadonlyArray<string>): SchoolYearError => {
  const result = decider.decide(command, decider.initialState());
  if (E.isRight(result)) throw new Error(`expected ${kind}, got ${JSON.stringify(result.right)}`);
  expect(result.left.kind, result.left.message).toBe(kind);
  for (const mention of mentions) expect(result.left.message).toContain(mention);
  return result.left;
};
const withTerms = (change: (terms: SchoolYearOpenedData['terms']) => SchoolYearOpenedData['terms']): SchoolYearOpenedData => ({
  ...schoolYear2019,
  terms: change(schoolYear2019.terms),
});
const replaceAt = <A>(items: ReadonlyArray<A>, index: number, item: A): ReadonlyArray<A> => items.map((x, i) => (i === index ? item : x));

describe('opening a school year', () => {
  it('records the calendar and the rule set', () => {
    expect(decider.decide(open(), decider.initialState())).toEqual(E.right([{ type: 'SchoolYearOpened', data: schoolYear2019 }]));
    expect(E.isRight(decider.decide(open(schoolYear2019, actors.deputy), decider.initialState()))).toBe(true);
    expect(E.isRight(decider.decide(open(schoolYear2019, actors.system), decider.initialState()))).toBe(true);
  });

  it('folds into an open year, from which classes take their calendar', () => {
    const state = foldEvents(decider, opened);
    expect(state).toEqual({ status: 'open', year: schoolYear2019 });
    expect(classCalendarOf(schoolYear2019)).toEqual({
      schoolYearId: 'sy-2019-2020',
      startsOn: '2019-09-01',
      endsOn: '2020-05-31',
      terms: schoolYear2019.terms,
      halfYears: schoolYear2019.halfYears,
      ruleSetId: kazakhstanRuleSetIds.olderWithGradeOneMarks,
    });
    expect(schoolYearStreamId('sy-2019-2020')).toBe('schoolYear-sy-2019-2020');
  });

  it('opens a year only once', () => {
    const result = decider.decide(open(), foldEvents(decider, opened));
    expect(result).toMatchObject({ left: { kind: 'SchoolYearAlreadyOpened', schoolYearId: 'sy-2019-2020' } });
    if (E.isLeft(result)) expect(result.left.message).toContain('sy-2019-2020');
  });

  it('refuses a rule set the system does not know, naming it', () => {
    expect(refused(open({ ...schoolYear2019, ruleSetId: 'kz-2099' }), 'UnknownRuleSet', 'kz-2099')).toMatchObject({ ruleSetId: 'kz-2099' });
  });

  it.each([
    ['a subject teacher', actors.math],
    ['the class teacher', actors.classTeacher],
    ['an auditor', actors.auditor],
    ['a parent', actors.parent],
  ])('is not for %s, naming the actor and the role', (_who, actor) => {
    expect(refused(open(schoolYear2019, actor), 'NotEntitled', actor.id, actor.role)).toMatchObject({ actor });
  });

  it('refuses bad data as an invalid command naming the field', () => {
    const error = refused(open({ ...schoolYear2019, startsOn: '2019-02-30' }), 'InvalidCommand', 'data.startsOn', '2019-02-30');
    expect(error).toMatchObject({ issues: [{ path: 'data.startsOn', value: '2019-02-30' }] });
    refused(open({ ...schoolYear2019, schoolYearId: '2019 2020' }), 'InvalidCommand', 'data.schoolYearId');
  });
});

describe('the calendar', () => {
  const invalid = (data: SchoolYearOpenedData, field: string, value: unknown) => {
    const error = refused(open(data), 'InvalidCalendar', field);
    expect(error).toMatchObject({ field, value });
    expect(error.message).toContain(JSON.stringify(value));
  };

  it('refuses overlapping terms, naming the term that overlaps', () => {
    invalid(withTerms((terms) => replaceAt(terms, 1, { ...terms[1]!, startsOn: '2019-10-25' })), 'terms.1.startsOn', '2019-10-25');
  });

  it('refuses misnumbered terms', () => {
    invalid(withTerms((terms) => replaceAt(terms, 2, { ...terms[2]!, number: 4 })), 'terms.2.number', 4);
  });

  it('refuses terms out of order', () => {
    invalid(withTerms((terms) => [terms[0]!, { ...terms[2]!, number: 2 }, { ...terms[1]!, number: 3 }, terms[3]!]), 'terms.2.startsOn', '2019-11-04');
  });

  it('refuses a term outside the school year', () => {
    invalid(withTerms((terms) => replaceAt(terms, 3, { ...terms[3]!, endsOn: '2020-06-05' })), 'terms.3', '2020-03-30..2020-06-05');
    invalid(withTerms((terms) => replaceAt(terms, 0, { ...terms[0]!, startsOn: '2019-08-26' })), 'terms.0', '2019-08-26..2019-10-25');
  });

  it('refuses a term that ends before it starts', () => {
    invalid(withTerms((terms) => replaceAt(terms, 0, { ...terms[0]!, endsOn: '2019-09-01' })), 'terms.0.endsOn', '2019-09-01');
  });

  it('refuses overlapping half-years', () => {
    const halfYears = replaceAt(schoolYear2019.halfYears, 1, { ...schoolYear2019.halfYears[1]!, startsOn: '2019-12-20' });
    invalid({ ...schoolYear2019, halfYears }, 'halfYears.1.startsOn', '2019-12-20');
  });

  it('refuses half-years that leave part of a term outside every half-year (its marks would count in no half-year grade)', () => {
    // Half-year 1 ends on 2019-12-20, a week before term 2 does (2019-12-27).
    const halfYears = replaceAt(schoolYear2019.halfYears, 0, { ...schoolYear2019.halfYears[0]!, endsOn: '2019-12-20' });
    invalid({ ...schoolYear2019, halfYears }, 'terms.1', '2019-11-04..2019-12-27');
    // A term split between the two half-years.
    const split = [
      { number: 1, startsOn: '2019-09-02', endsOn: '2019-11-15' },
      { number: 2, startsOn: '2019-11-16', endsOn: '2020-05-25' },
    ];
    invalid({ ...schoolYear2019, halfYears: split }, 'terms.1', '2019-11-04..2019-12-27');
    // A calendar without half-years is still a calendar (no subject is graded per half-year there).
    expect(E.isRight(decider.decide(open({ ...schoolYear2019, halfYears: [] }), decider.initialState()))).toBe(true);
  });

  it('refuses a year without terms, a year that ends before it starts, and a start outside startYear', () => {
    invalid({ ...schoolYear2019, terms: [] }, 'terms', []);
    invalid({ ...schoolYear2019, endsOn: '2019-08-31' }, 'endsOn', '2019-08-31');
    invalid({ ...schoolYear2019, startYear: 2020 }, 'startsOn', '2019-09-01');
  });
});
