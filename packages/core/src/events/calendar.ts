import * as t from 'io-ts';
import { IdCodec } from '../primitives/ids';
import { LocalDateCodec } from '../primitives/localDate';
import { intInRange } from '../primitives/text';
import { DatedPeriodCodec } from './common';
import { defineEvent, type EventPayloadOf, type LedgerEventOf } from './ledgerEvent';

/**
 * A school year (оқу жылы / учебный год) opened with its calendar: four terms (четверти) and
 * two half-years (полугодия), whose dates the ministry sets each year, and the id of the grade
 * rule set in force for it.
 */
export const SchoolYearOpened = defineEvent(
  'SchoolYearOpened',
  1,
  t.readonly(
    t.strict({
      schoolYearId: IdCodec,
      /** The calendar year in which it starts: 2018 for 2018-2019. */
      startYear: intInRange(2000, 2100),
      startsOn: LocalDateCodec,
      endsOn: LocalDateCodec,
      terms: t.readonlyArray(DatedPeriodCodec),
      halfYears: t.readonlyArray(DatedPeriodCodec),
      ruleSetId: IdCodec,
    }),
  ),
);
export type SchoolYearOpenedData = t.TypeOf<typeof SchoolYearOpened.data>;
export type SchoolYearOpened = LedgerEventOf<'SchoolYearOpened', SchoolYearOpenedData>;

export type SchoolYearEventPayload = EventPayloadOf<'SchoolYearOpened', SchoolYearOpenedData>;

export const schoolYearEvents = [SchoolYearOpened] as const;
