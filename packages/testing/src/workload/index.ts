export {
  generateSchoolWorkload,
  resolveWorkloadOptions,
  workloadSummary,
  type InvalidWorkloadOption,
  type ResolvedWorkloadOptions,
  type WorkloadOptions,
  type WorkloadSummary,
} from './generateSchoolWorkload';
export { curriculumFor, type CurriculumSubject } from './curriculum';
