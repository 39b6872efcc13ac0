/** The job waiter: `waitForJob`, its pure poll schedules and the schedule simulator. */
export * from "./wait";
export * from "./schedule";
export * from "./progress";
export * from "./progress-source";
export {
  simulate,
  simulateOne,
  standardComparison,
  standardSchedules,
  formatComparison,
  realisticJobs,
  REALISTIC_RANGES,
  type SimJob,
  type SimOutcome,
  type SimulateOptions,
  type SimulationResult,
  type ComparisonRow,
} from "./simulate";
