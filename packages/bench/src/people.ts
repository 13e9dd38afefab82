/**
 * The personal-data benchmark (`pnpm bench` at the root, after the archive benchmark;
 * `--quick` for a smaller school, fewer pairs and shorter histories; `--full` for histories up
 * to 8 school years in part 2).
 *
 * 1. Report cards with names against report cards pseudonymized (issue 8: "decrypting names
 *    for a whole school's report cards (1,200 pupils) adds less than 10% to producing them
 *    pseudonymized"). One school year of the generated school (`generateSchoolWorkload`, 44
 *    classes, about 1,200 pupils), each pupil and one parent registered with the people module
 *    (in-memory key store and record store; untimed). In one process:
 *    - replay: `replayEvents(events, { ruleSets })` (the school's projections from its events),
 *      timed three times (once with --quick);
 *    - pseudonymized: for every pupil of the year, `reportCard(pupilId)` of the replayed state,
 *      rendered as text under the pupil's pseudonym (SHA-256 of the id): no people module, no record;
 *    - with names: the whole school's read as the people module does it for a director: a
 *      bulk-access request, its approval by an auditor (the four-eyes guard: 1,200 people is
 *      above the daily limit), then `read(…, { resource: 'reportCard', fields: ['name'] })`:
 *      the policy, the recorded access event (1,200 person ids), and per pupil the sealed record
 *      and the key from their stores and an AES-256-GCM decryption; then the same rendering
 *      with the decrypted names.
 *    The two renderings run in pairs, back to back, alternating which goes first. The ratio is given two ways: the rendering alone (the state already replayed), and
 *    replay + rendering (what a report-card run from the events costs).
 * 2. Forgetting one person against histories of growing length (1, 2 and 4 school years of a
 *    school with one class per grade level; `--full`: also 8 years). Each history is loaded into
 *    its own in-memory event store (untimed), the same number of its pupils registered; then,
 *    round after round, one pupil is forgotten in each history in turn (interleaved) and each
 *    `forget` (record the forgetting in the person's stream, destroy the key, drop the sealed
 *    record) is timed. Flat means: the median time does not grow with the history.
 *
 * The table goes into docs/benchmarks.md between the bench:people markers.
 */
import { performance } from 'node:perf_hooks';
import * as E from 'fp-ts/Either';
import {
  accessFactsProjection,
  foldEvents,
  inMemoryEventStore,
  replayEvents,
  withFamilyLinks,
  type AccessFacts,
  type Actor,
  type EventStore,
  type RecordedEvent,
  type SchoolProjections,
  type YearReportCard,
} from '@grade-ledger/core';
import { reportCardLines } from '@grade-ledger/cli';
import { inMemoryKeyStore, inMemoryRecordStore, people, pseudonymOf, type People, type PersonalRecord, type PersonView } from '@grade-ledger/people';
import { generateSchoolWorkload, type WorkloadOptions } from '@grade-ledger/testing/workload';
import { gc, int, machine, shippedRuleSets, writeBenchmarkSection } from './common';

const director: Actor = { id: 'director-01', role: 'director' };
const auditor: Actor = { id: 'auditor-01', role: 'auditor' };
const importer: Actor = { id: 'system-import', role: 'system' };

const must = <A>(either: E.Either<{ readonly message: string }, A>): A => {
  if (E.isLeft(either)) throw new Error(either.left.message);
  return either.right;
};

const FAMILY = ['Садыкова', 'Ахметов', 'Ким', 'Нурланова', 'Жумабаев', 'Омарова', 'Цой', 'Исаев'];
const GIVEN = ['Айгерим', 'Ерлан', 'Дана', 'Тимур', 'Алия', 'Нурсултан', 'Мадина', 'Арман'];

const recordOf = (personId: string, index: number, kind: 'pupil' | 'parent', family: ReadonlyArray<string>): PersonalRecord => ({
  personId,
  kind,
  name: { family: FAMILY[index % FAMILY.length]!, given: GIVEN[(index >> 3) % GIVEN.length]!, patronymic: 'Серикович' },
  nationalId: String(100_000_000_000 + index * 7919).slice(0, 12),
  birthDate: kind === 'pupil' ? `20${10 + (index % 9)}-0${1 + (index % 9)}-1${index % 9}` : '1985-06-30',
  contacts: kind === 'parent' ? [{ kind: 'phone', value: `+7 701 555 ${String(index % 10_000).padStart(4, '0')}` }] : [],
  family,
});

/** Loads a generated history into a fresh in-memory store, stream by stream (a trusted bulk load: no decoding). */
const loadStore = async (events: ReadonlyArray<RecordedEvent>) => {
  const store = inMemoryEventStore({ validate: false });
  const byStream = new Map<string, RecordedEvent['event'][]>();
  for (const r of events) {
    const list = byStream.get(r.streamId);
    if (list === undefined) byStream.set(r.streamId, [r.event]);
    else list.push(r.event);
  }
  for (const [streamId, list] of byStream) must(await store.appendToStream(streamId, list, { expectedRevision: 'any' }));
  return store;
};

/** Registers every pupil and one parent each (untimed set-up). */
const registerPupils = async (ledger: People, pupilIds: ReadonlyArray<string>): Promise<void> => {
  for (const [i, pupilId] of pupilIds.entries()) {
    must(await ledger.register(recordOf(pupilId, i, 'pupil', [`parent-${pupilId}`]), importer));
    must(await ledger.register(recordOf(`parent-${pupilId}`, i + 7, 'parent', [pupilId]), importer));
  }
};

// --- rendering a report card (the табель as text, as `grade-ledger report-card` prints it) -----

/** A report card as text: the pupil's name or pseudonym, then the lines `grade-ledger report-card` prints. */
const renderCard = (shownAs: string, card: YearReportCard): string => `${shownAs}\n${reportCardLines(card).join('\n')}`;

/** Every pupil's report cards of the replayed state, under the name `shownAs` gives; returns the text's length (kept, so nothing is optimised away). */
const renderAll = (p: SchoolProjections, pupilIds: ReadonlyArray<string>, shownAs: (pupilId: string) => string): number => {
  let length = 0;
  for (const pupilId of pupilIds) for (const card of p.reportCard(pupilId)) length += renderCard(shownAs(pupilId), card).length;
  return length;
};

const nameOf = (view: PersonView | undefined): string =>
  view?.status === 'identified' && view.data.name !== undefined
    ? `${view.data.name.family} ${view.data.name.given}${view.data.name.patronymic === undefined ? '' : ` ${view.data.name.patronymic}`}`
    : (view?.pseudonym ?? '?');

const median = (xs: ReadonlyArray<number>): number => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const quantile = (xs: ReadonlyArray<number>, q: number): number => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
};
const ms = (x: number): string => `${x.toFixed(x < 10 ? 2 : 1)} ms`;
const us = (x: number): string => `${(x * 1000).toFixed(0)} µs`;

// --- part 1: report cards ------------------------------------------------------------------------

type CardsResult = {
  readonly workload: WorkloadOptions;
  readonly events: number;
  readonly pupils: number;
  readonly classes: number;
  readonly pairs: number;
  readonly generationSeconds: number;
  readonly replay: ReadonlyArray<number>;
  readonly pseudonymized: ReadonlyArray<number>;
  readonly withNames: ReadonlyArray<number>;
  /** Of withNames: the request, approval and read (policy, recorded access, stores, decryption), before rendering. */
  readonly readOnly: ReadonlyArray<number>;
  readonly accessEvents: number;
};

const reportCards = async (workload: WorkloadOptions, replays: number, pairs: number, log: (line: string) => void): Promise<CardsResult> => {
  const generated = performance.now();
  const events = [...generateSchoolWorkload(workload)];
  const generationSeconds = (performance.now() - generated) / 1000;
  const first = replayEvents(events, { ruleSets: shippedRuleSets });
  const classes = first.classes();
  const classIds = classes.map((c) => c.classId);
  const pupilIds = [...new Set(classes.flatMap((c) => c.pupilIds))].sort();
  log(`  ${int(events.length)} events, ${classes.length} classes, ${int(pupilIds.length)} pupils (generated in ${generationSeconds.toFixed(1)} s)`);

  // The access streams go to this store; the school's history is not needed in it for a read.
  const store: EventStore & { readonly allEvents: () => ReadonlyArray<RecordedEvent> } = inMemoryEventStore();
  const now = { at: '2025-05-01T06:00:00Z' }; // the people module's clock
  const ledger = people({ store, keys: inMemoryKeyStore(), records: inMemoryRecordStore(), clock: () => now.at, schoolId: 'school-2018' });
  await registerPupils(ledger, pupilIds);
  const facts: AccessFacts = withFamilyLinks(foldEvents(accessFactsProjection, events).facts, must(await ledger.familyLinks()));

  // The replay: timed a few times; the state of the last one is what the report cards are rendered from.
  const replayTimes: number[] = [];
  let p = first;
  for (let i = 0; i < replays; i++) {
    gc();
    const started = performance.now();
    p = replayEvents(events, { ruleSets: shippedRuleSets });
    replayTimes.push(performance.now() - started);
    log(`  replay ${i + 1}: ${ms(replayTimes[i]!)}`);
  }

  const result = { pseudonymized: [] as number[], withNames: [] as number[], readOnly: [] as number[] };
  let check = 0;
  const pseudonymized = (): number => {
    const started = performance.now();
    check += renderAll(p, pupilIds, (id) => pseudonymOf(id, { kind: 'pupil' }));
    return performance.now() - started;
  };
  const withNames = async (pair: number): Promise<{ total: number; read: number }> => {
    now.at = `2025-05-${String(1 + (pair % 28)).padStart(2, '0')}T06:00:00Z`; // a school day a pair: one approval a day
    const requestId = `bulk-report-cards-${pair}`;
    const purpose = 'printing the year-end report cards';
    const started = performance.now();
    must(await ledger.requestBulkAccess(director, { requestId, resource: 'reportCard', classIds, personCount: pupilIds.length, fields: ['name'], purpose }));
    must(await ledger.approveBulkAccess(auditor, requestId));
    const read = must(await ledger.read(director, { resource: 'reportCard', classIds, personIds: pupilIds, fields: ['name'], purpose }, facts, { bulkRequestId: requestId }));
    const afterRead = performance.now();
    check += renderAll(p, pupilIds, (id) => nameOf(read.people.get(id)));
    return { total: performance.now() - started, read: afterRead - started };
  };
  // No GC forced right before a timed pass: a forced full GC there slowed the pass after it (measured).
  gc();
  // Two warm-up pairs (not counted), then the measured pairs, the two contenders alternating which goes first.
  for (let pair = -2; pair < pairs; pair++) {
    let a: number;
    let b: { total: number; read: number };
    if (pair % 2 === 0) {
      a = pseudonymized();
      b = await withNames(pair + 2);
    } else {
      b = await withNames(pair + 2);
      a = pseudonymized();
    }
    if (pair < 0) continue;
    result.pseudonymized.push(a);
    result.withNames.push(b.total);
    result.readOnly.push(b.read);
    log(`  pair ${pair + 1}: pseudonymized ${ms(a)}, with names ${ms(b.total)} (of which the read ${ms(b.read)}): ${(b.total / a).toFixed(2)}×`);
  }
  if (check === 0) throw new Error('nothing rendered');
  const accessEvents = store.allEvents().filter((e) => e.event.type === 'PersonalDataRead').length;
  return { workload, events: events.length, pupils: pupilIds.length, classes: classes.length, pairs, generationSeconds, replay: replayTimes, ...result, accessEvents };
};

// --- part 2: forgetting one person ----------------------------------------------------------------

type ForgetResult = {
  readonly histories: ReadonlyArray<{ readonly years: number; readonly events: number; readonly times: ReadonlyArray<number> }>;
  readonly perHistory: number;
};

const forgetting = async (yearsList: ReadonlyArray<number>, perHistory: number, log: (line: string) => void): Promise<ForgetResult> => {
  const worlds: Array<{ years: number; events: number; ledger: People; pupils: ReadonlyArray<string>; times: number[] }> = [];
  for (const years of yearsList) {
    const events = [...generateSchoolWorkload({ seed: 2018, since: 2018, until: 2018 + years - 1, classesPerGradeLevel: 1 })];
    const store = await loadStore(events);
    const pupils = [...new Set(events.flatMap((r) => (r.event.type === 'PupilEnrolled' ? [r.event.data.pupilId] : [])))].sort().slice(0, perHistory);
    if (pupils.length < perHistory) throw new Error(`only ${pupils.length} pupils in ${years} years`);
    const ledger = people({ store, keys: inMemoryKeyStore(), records: inMemoryRecordStore(), clock: () => '2026-06-01T05:00:00Z', schoolId: 'school-2018' });
    await registerPupils(ledger, pupils);
    worlds.push({ years, events: store.allEvents().length, ledger, pupils, times: [] });
    log(`  ${years} school year${years > 1 ? 's' : ''}: ${int(store.allEvents().length)} events loaded`);
    gc();
  }
  for (let i = 0; i < perHistory; i++) {
    // Interleaved: every history forgets its i-th pupil in turn, starting with a different one each round.
    for (let k = 0; k < worlds.length; k++) {
      const world = worlds[(i + k) % worlds.length]!;
      const personId = world.pupils[i]!;
      const started = performance.now();
      const forgotten = await world.ledger.forget({ personId, actor: director, reason: 'The parent asked for the data to be destroyed', legalBasis: 'Law 94-V art. 18' });
      const took = performance.now() - started;
      if (E.isLeft(forgotten) || forgotten.right.alreadyForgotten) throw new Error(`forgetting ${personId} failed`);
      world.times.push(took);
    }
  }
  return { histories: worlds.map((w) => ({ years: w.years, events: w.events, times: w.times })), perHistory };
};

// --- main ------------------------------------------------------------------------------------------

const main = async (): Promise<void> => {
  const argv = process.argv.slice(2);
  const quick = argv.includes('--quick');
  const full = argv.includes('--full');
  const log = (line: string): void => console.log(line);
  log(`people benchmark${quick ? ' (quick)' : full ? ' (full)' : ''}: ${machine()}`);

  const workload: WorkloadOptions = quick ? { seed: 2018, since: 2024, until: 2024, classesPerGradeLevel: 1 } : { seed: 2018, since: 2024, until: 2024 };
  log('- report cards, pseudonymized and with names ...');
  const cards = await reportCards(workload, quick ? 1 : 3, quick ? 9 : 21, log);
  gc();
  const yearsList = quick ? [1, 2] : full ? [1, 2, 4, 8] : [1, 2, 4];
  log('- forgetting one person against histories of growing length ...');
  const forget = await forgetting(yearsList, quick ? 40 : 300, log);

  const [replay, pseud, named, read] = [median(cards.replay), median(cards.pseudonymized), median(cards.withNames), median(cards.readOnly)];
  // Per pair, then the median: each pair ran back to back, so a slow spell of a shared machine hits both.
  const renderRatio = median(cards.withNames.map((b, i) => b / cards.pseudonymized[i]!));
  const readShare = median(cards.readOnly.map((r, i) => r / cards.pseudonymized[i]!));
  const withReplayRatio = median(cards.withNames.map((b, i) => (replay + b) / (replay + cards.pseudonymized[i]!)));
  const smallest = median(forget.histories[0]!.times);
  const forgetRows = forget.histories.map((h) => {
    const m = median(h.times);
    return `| ${h.years} | ${int(h.events)} | ${us(m)} | ${us(quantile(h.times, 0.9))} | ${(m / smallest).toFixed(2)}× |`;
  });
  const largest = forget.histories[forget.histories.length - 1]!;
  const flat = median(largest.times) / smallest;
  const goals = [
    { name: 'names add < 10% to producing the report cards (rendering from the replayed state)', met: renderRatio < 1.1, actual: `+${((renderRatio - 1) * 100).toFixed(1)}%` },
    { name: 'the read with names alone (request, approval, recorded access, decryption) < 10% of producing the report cards pseudonymized', met: readShare < 0.1, actual: `+${(readShare * 100).toFixed(1)}%` },
    { name: 'names add < 10% to producing the report cards (replay + rendering)', met: withReplayRatio < 1.1, actual: `+${((withReplayRatio - 1) * 100).toFixed(1)}%` },
    {
      name: `forgetting one person is O(1): the median on the longest history (${int(largest.events)} events) within 1.5× of the shortest (${int(forget.histories[0]!.events)})`,
      met: flat < 1.5,
      actual: `${flat.toFixed(2)}×`,
    },
  ];
  const today = new Date().toISOString().slice(0, 10);
  const section = `
## Personal data${quick ? ' (quick run: 11 classes, fewer pairs, shorter histories)' : full ? ' (full: histories up to 8 school years)' : ''}

Run on ${today}: ${machine()}. The machine may have been shared with other work: treat the
figures as indicative; the ratios come from contenders interleaved in one process.

**Report cards with names against pseudonymized.** Workload: \`generateSchoolWorkload(${JSON.stringify(workload)})\`:
${int(cards.events)} events, ${cards.classes} classes, ${int(cards.pupils)} pupils (generated in ${cards.generationSeconds.toFixed(1)} s, untimed);
each pupil and one parent registered with \`people\` (in-memory key and record stores, untimed). The replay was timed
${cards.replay.length} time${cards.replay.length > 1 ? 's' : ''}; the report cards were then rendered from the replayed state in ${cards.pairs} pairs (after two
warm-up pairs), pseudonymized and with names back to back, alternating which went first.
Medians; the ratios are medians of the per-pair ratios:

| step | time | |
|---|---:|---|
| replay: \`replayEvents(events, { ruleSets })\` | ${ms(replay)} | |
| pseudonymized: every pupil's \`reportCard\` rendered as text under the pseudonym | ${ms(pseud)} | 1.00× |
| with names: bulk request + approval + \`read(… fields: ['name'])\` + the same rendering | ${ms(named)} | ${renderRatio.toFixed(2)}× |
| of which the read: request, approval, policy, recorded access event (${int(cards.pupils)} ids), record and key per pupil, AES-256-GCM | ${ms(read)} | +${(readShare * 100).toFixed(1)}% of pseudonymized |
| of which the rendering with the names | ${ms(median(cards.withNames.map((b, i) => b - cards.readOnly[i]!)))} | |
| replay + pseudonymized | ${ms(replay + pseud)} | 1.00× |
| replay + with names | ${ms(replay + named)} | ${withReplayRatio.toFixed(2)}× |

The identified runs recorded ${cards.accessEvents} access events (one a pair, each under its own approved bulk request).
Not measured here: the file and PostgreSQL key stores (a read fetches the keys of everyone it decrypts with one
\`getMany\`: one query with PostgreSQL), the file record store (read one person at a time), and printing to paper or PDF
(a heavier rendering makes the names' share smaller).

**Forgetting one person against histories of growing length.** Histories: \`generateSchoolWorkload({ seed: 2018, since: 2018, classesPerGradeLevel: 1 })\`
for 1${forget.histories.slice(1).map((h) => `, ${h.years}`).join('')} school years, each in its own in-memory event store; ${forget.perHistory} pupils
(and a parent each) registered in each; then one \`forget\` after the other, the histories interleaved. \`forget\` records
\`PersonalDataForgotten\` in \`person-<id>\` (the command handler reads that stream only), destroys the key and drops the
sealed record.

| school years | events in the store | median forget | 90th percentile | vs the shortest |
|---:|---:|---:|---:|---:|
${forgetRows.join('\n')}

Goals of issue 8, this run:

${goals.map((g) => `- ${g.name}: **${g.met ? 'met' : 'not met'}** (${g.actual})`).join('\n')}
`;
  writeBenchmarkSection('people', section, 'postgres');
  log(section);
  log('written to docs/benchmarks.md');
};

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
