import * as E from 'fp-ts/Either';
import { describe, expect, it } from 'vitest';
import { quickstart } from './quickstart';

describe('the README quickstart', () => {
  it('records the mark, refuses the pupil who is not enrolled, and writes nothing for the refusal', async () => {
    const { store, recorded, refused } = await quickstart();
    expect(E.isRight(recorded)).toBe(true);
    if (E.isRight(recorded)) expect(recorded.right.events.map((e) => e.metadata.eventId)).toEqual(['cmd-42.0']);
    expect(E.isLeft(refused)).toBe(true);
    if (E.isLeft(refused)) {
      expect(refused.left.kind).toBe('PupilNotEnrolled');
      expect(refused.left.message).toContain('pupil-0099');
    }
    const types = store.allEvents().map((r) => r.event.type);
    expect(types).toEqual(['SchoolYearOpened', 'ClassOpened', 'SubjectAssigned', 'PupilEnrolled', 'LessonPlanned', 'FormativeMarkRecorded']);
  });
});
