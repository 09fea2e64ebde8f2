// Names shared by the CDK table definition (lib/) and the registry code (functions/core/).
export const TASK_TABLE_INDEXES = {
  byStatus: 'byStatus',
  byFunction: 'byFunction',
  byIdPrefix: 'byIdPrefix',
  /**
   * Every function and status, newest first: partition `createdDay` (the UTC day of createdAt, `YYYY-MM-DD`),
   * sort `createdAt`, keys only (see functions/core/registry-recent.ts for why).
   */
  byCreatedDay: 'byCreatedDay',
} as const;

/**
 * The time bucket of a record (its partition in the byCreatedDay index): the UTC day of `createdAt`. The
 * registry writes it at create; records created before it existed have none and are not in that index
 * (they still list by status, function and ID prefix, and leave with their TTL).
 */
export const CREATED_DAY_ATTRIBUTE = 'createdDay';

/** The createdDay of an ISO-8601 time. */
export function createdDayOf(iso: string): string {
  return iso.slice(0, 10);
}

export const TTL_ATTRIBUTE = 'expiresAt';
