/**
 * Reasons a school gives for changing its journal, as the generated histories (the small school
 * and the workload) record them: plain, believable texts, never personal data.
 */
export const journalReasons = {
  /** Corrections of formative marks; the small school draws from the first two. */
  markCorrections: [
    'Typing error: the mark was entered wrongly',
    'Mark entered in the wrong column; the paper journal shows another value',
    'Entered for the wrong lesson date, restored from the paper journal',
  ],
  scoreCorrection: 'Points were added up wrongly on the answer sheet',
  annulments: ['Entered for the wrong pupil', 'Mark recorded on the wrong lesson'],
  moderations: [
    'Appeal upheld: criterion 3 re-marked by the moderation panel',
    'Moderation: two answers were marked against the wrong descriptor',
  ],
  attendanceExcused: "Parent's note received: the absence is excused",
  yearOverride: 'Pedagogical council decision: consistent olympiad results in the subject',
} as const;
