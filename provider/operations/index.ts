/**
 * The operation table and what is built from it: request checks, the docs section of each operation.
 * See `table.ts` for the list and `types.ts` for the shape of one entry.
 */
export { OPERATIONS, KNOWN_TASK_NAMES, operation, type OperationName } from "./table";
export { bodyText, checkBody, checkPathValues, fillPath, parseFreePath, type FieldProblem, type FreePath } from "./request";
export type { OperationDef, OperationKind, PathParam, PathValues, TaskName } from "./types";
