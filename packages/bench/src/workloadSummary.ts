/**
 * Prints the summary of a generated workload (counts by event type, rates) and how long the
 * generation took. `tsx --conditions=source src/workloadSummary.ts [--quick] [--seed N]`.
 */
import { performance } from 'node:perf_hooks';
import { workloadSummary, type WorkloadOptions } from '@grade-ledger/testing/workload';

const argv = process.argv.slice(2);
const seedAt = argv.indexOf('--seed');
const options: WorkloadOptions = {
  ...(seedAt >= 0 ? { seed: Number(argv[seedAt + 1]) } : {}),
  ...(argv.includes('--quick') ? { since: 2022, until: 2023 } : {}),
};
const started = performance.now();
const summary = workloadSummary(options);
const seconds = (performance.now() - started) / 1000;
console.log(JSON.stringify(summary, null, 2));
console.log(
  `${summary.events.toLocaleString('en-US')} events in ${seconds.toFixed(1)} s (${Math.round(summary.events / seconds).toLocaleString('en-US')} events/s); ` +
    `absences ${(((summary.eventsByType['AttendanceMarked'] ?? 0) / summary.pupilLessons) * 100).toFixed(2)}% of pupil-lessons; ` +
    `mark changes ${((summary.markChanges / summary.marks) * 100).toFixed(2)}% of marks`,
);
