export * from './buildSmallSchool';
export { kazakhstanLikeCalendar, type SchoolCalendar } from './calendar';
export * from './prng';
