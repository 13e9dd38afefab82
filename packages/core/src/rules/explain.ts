import * as R from '../primitives/rational';
import type { ComponentBreakdown, PeriodResult } from './periodResult';
import type { ComponentName } from './ruleSet';
import type { FinalGradeResult, YearGradeResult } from './yearGrade';

/**
 * An exact value as an auditor reads it, with an optional unit: the decimal when it terminates
 * within 6 places ("79.5%"), else 4 places, "…" and the exact fraction ("79.9167…% (= 959/12)").
 */
export const showExact = (value: R.Rational, unit = ''): string => {
  for (let places = 0; places <= 6; places += 1) {
    if (R.equals(R.roundTo(value, places, 'down'), value)) return `${R.toFixed(value, places)}${unit}`;
  }
  return `${R.toFixed(value, 4)}…${unit} (= ${R.toFractionString(value)})`;
};

const componentLabel: Record<ComponentName, string> = {
  formative: 'ФО/ҚБ (formative)',
  sectionSummatives: 'СОР/БЖБ (section summatives)',
  termSummative: 'СОЧ/ТЖБ (term summative)',
};

const periodLabel = (result: PeriodResult): string =>
  `${result.context.period.kind === 'term' ? 'term' : 'half-year'} ${result.context.period.number}, grade level ${result.context.gradeLevel}`;

const inputsLine = (c: ComponentBreakdown): string => {
  if (c.inputs.kind === 'formative') {
    const f = c.inputs;
    if (f.marks.length === 0) return 'no marks';
    const dropped = f.dropped.length > 0 ? `; lowest dropped: ${f.dropped.join(', ')}` : '';
    return `marks ${f.marks.join(', ')}${dropped}; mean ${f.mean === null ? '-' : showExact(f.mean)} of ${f.maxMark}`;
  }
  const s = c.inputs;
  if (s.items.length === 0) return 'none';
  const items = s.items
    .map((i) => `${i.summativeId} ${i.points === null ? `(${i.outcome})` : `${showExact(i.points)}/${i.maxPoints}${i.outcome === 'missedUnexcused' ? ' (missed, unexcused: 0)' : ''}`}`)
    .join(', ');
  return c.component === 'sectionSummatives' ? `${items}; ${s.combine === 'pooledPoints' ? `pooled ${showExact(s.points)}/${showExact(s.maxPoints)}` : 'mean of percentages'}` : items;
};

const componentLine = (c: ComponentBreakdown): string => {
  const pct = c.percentage === null ? 'no percentage' : showExact(c.percentage, '%');
  const weight = R.equals(c.weight, c.ruleWeight) ? showExact(c.weight, '%') : `${showExact(c.ruleWeight, '%')} → ${showExact(c.weight, '%')}`;
  return `${componentLabel[c.component]} [${c.status}]: ${inputsLine(c)} → ${pct}; weight ${weight}; contribution ${showExact(c.contribution)}`;
};

const explainPeriod = (result: PeriodResult): ReadonlyArray<string> => {
  const head = `Rule set ${result.ruleSetId}; ${periodLabel(result)}.`;
  switch (result._tag) {
    case 'noMarks':
      return [head, `No marks: ${result.reason === 'gradeLevel' ? 'this grade level is not marked under the rule set' : 'the subject is not marked'}.`];
    case 'passFail':
      return [head, 'Pass/fail (зачёт/незачёт): the teacher decides; the engine computes no grade from marks.'];
    case 'notAssessed': {
      const why =
        result.reason.kind === 'missedSummative'
          ? `summative(s) ${result.reason.summativeIds.join(', ')} missed for a valid reason and not yet sat`
          : result.reason.kind === 'emptyComponent'
            ? `no marks in ${result.reason.components.map((c) => componentLabel[c]).join(', ')} and the rule set does not redistribute`
            : 'nothing to assess: no weighted component has marks';
      return [head, `н/а (temporarily not assessed): ${why}.`];
    }
    case 'graded': {
      const adjustments = result.adjustments.map((a) => {
        switch (a.kind) {
          case 'formativeDropped':
            return `Adjustment: lowest formative mark(s) dropped: ${a.marks.join(', ')}.`;
          case 'missedUnexcusedCountsZero':
            return `Adjustment: ${a.summativeId} missed without a valid reason counts as 0 points.`;
          case 'sectionSummativeCancelled':
            return `Adjustment: ${a.summativeId} cancelled: left out of the СОР pool.`;
          case 'termSummativeCancelled':
            return `Adjustment: СОЧ ${a.summativeId} cancelled: ${a.handling === 'redistribute' ? 'its weight is redistributed' : 'weights without СОЧ are used'}.`;
          case 'weightRedistributed':
            return `Adjustment: weight ${showExact(a.weight, '%')} of ${componentLabel[a.component]} (${a.reason}) redistributed to ${a.to.map((c) => componentLabel[c]).join(', ')} in proportion to their weights.`;
        }
      });
      const d = result.decision;
      const band = `${d.band.from}${d.band.to === undefined ? '+' : `-${d.band.to}`}`;
      return [
        head,
        `Weights: ${result.weights.variant === 'withTermSummative' ? 'with СОЧ' : `without СОЧ (${result.weights.reason})`}.`,
        ...result.components.map(componentLine),
        ...adjustments,
        `Total: ${showExact(result.percentage, '%')} (exact), displayed ${result.percentageDisplay}%.`,
        `Rounded to ${d.rounding.decimals} decimal(s) (${d.rounding.mode}): ${showExact(d.roundedPercentage, '%')}; band ${band} → grade ${String(result.grade)}.`,
      ];
    }
  }
};

/** Plain-text lines explaining a result, for an auditor checking it by hand. */
export const explainResult = (result: PeriodResult | YearGradeResult | FinalGradeResult): ReadonlyArray<string> => {
  switch (result._tag) {
    case 'yearGrade':
      return [
        `Rule set ${result.ruleSetId}; year grade.`,
        `Period grades ${result.periodGrades.join(', ')}; ${result.method === 'meanOfGrades' ? 'mean' : 'mean scale position'} ${showExact(result.mean)}, rounded ${result.rounding} → ${String(result.grade)} (${result.passing ? 'passing' : 'failing'}).`,
      ];
    case 'finalGrade':
      return [
        `Rule set ${result.ruleSetId}; final grade from year grade ${String(result.yearGrade)}.`,
        ...result.attempts.map(
          (a) => `Re-sit ${a.attempt}: test ${String(a.resitGrade)}; mean with the year grade ${showExact(a.mean)}, rounded ${result.rounding} → ${String(a.grade)} (${a.passing ? 'passing' : 'failing'}).`,
        ),
        `Final grade ${String(result.grade)} (${result.passing ? 'passing' : `failing; re-sits remaining: ${result.resitsRemaining}`}).`,
      ];
    default:
      return explainPeriod(result);
  }
};
