import * as fc from 'fast-check';
import * as E from 'fp-ts/Either';
import { beforeAll, describe, expect, it } from 'vitest';
import { inMemoryEventStore, type Actor, type RecordedEvent } from '@grade-ledger/core';
import { archiveText, pseudonymizer, type Pseudonymizer } from '@grade-ledger/archive';
import { inMemoryKeyStore, inMemoryRecordStore, people } from '@grade-ledger/people';
import { buildSmallSchool, type SmallSchoolSummary } from '@grade-ledger/testing/school';

/*
 * A pseudonymized archive names no person: whatever the people module recorded about a person
 * (a forgetting, a depersonalisation, a blocking, a read of their data), no person id of the
 * ledger appears in the archive, in any field, as a whole id or as part of another id (an event,
 * command or correlation id built from it would tie the pseudonym back to the person).
 */

const director: Actor = { id: 'director-01', role: 'director' };
const deputy: Actor = { id: 'deputy-01', role: 'deputyDirector' };
const legal = { reason: 'The family asked for it', legalBasis: 'Law 94-V art. 18' };
const key = Buffer.from('0123456789abcdef0123456789abcdef');

let school: { readonly events: ReadonlyArray<RecordedEvent>; readonly summary: SmallSchoolSummary };
beforeAll(async () => {
  const store = inMemoryEventStore();
  const built = await buildSmallSchool({ seed: 11, since: 2023, until: 2023, store });
  if (E.isLeft(built)) throw new Error(built.left.message);
  school = { events: store.allEvents(), summary: built.right.summary };
});

/** The ids of a text that contain `id` as a whole or as one of their dot- or colon-separated parts. */
const idsNaming = (text: string, id: string): ReadonlyArray<string> =>
  (text.match(/[A-Za-z0-9._:-]+/g) ?? []).filter((token) => token === id || token.split(/[.:]/).includes(id));

describe('a pseudonymized archive', () => {
  it('holds no person id, whatever the people module recorded about whom', async () => {
    const operations = ['forget', 'depersonalise', 'block', 'read'] as const;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ pupil: fc.constantFrom(...school.summary.pupilIds), operation: fc.constantFrom(...operations) }), { minLength: 1, maxLength: 5 }),
        async (acts) => {
          const store = inMemoryEventStore({ validate: false });
          for (const r of school.events) await store.appendToStream(r.streamId, [r.event], { expectedRevision: 'any' });
          const ledger = people({ store, keys: inMemoryKeyStore(), records: inMemoryRecordStore(), clock: () => '2024-03-04T05:00:00Z', schoolId: 'school-11' });
          for (const { pupil, operation } of acts) {
            const op = { personId: pupil, actor: director, ...legal };
            // Refusals (forgetting twice, blocking a forgotten pupil) are fine: only what is recorded matters.
            if (operation === 'forget') await ledger.forget(op);
            else if (operation === 'depersonalise') await ledger.depersonalise(op);
            else if (operation === 'block') await ledger.block(op);
            else await ledger.read(deputy, { resource: 'personalRecord', classIds: [], personIds: [pupil], fields: ['name'], purpose: 'appeal' }, { classTeachers: new Map(), teachers: new Map(), pupils: new Map(), children: new Map() });
          }
          const written = await archiveText(store, { pseudonymizer: pseudonymizer(key) as Pseudonymizer });
          if (E.isLeft(written)) throw new Error(written.left.message);
          const personIds = new Set([...school.summary.pupilIds, ...school.summary.staffIds, ...acts.map((a) => a.pupil)]);
          for (const personId of personIds) expect(idsNaming(written.right.text, personId), personId).toEqual([]);
        },
      ),
      { numRuns: 8 },
    );
  });
});
