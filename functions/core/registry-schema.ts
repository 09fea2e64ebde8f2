// Names shared by the CDK table definition (lib/) and the registry code (functions/core/).
export const TASK_TABLE_INDEXES = {
  byStatus: 'byStatus',
  byFunction: 'byFunction',
  byIdPrefix: 'byIdPrefix',
} as const;

export const TTL_ATTRIBUTE = 'expiresAt';
