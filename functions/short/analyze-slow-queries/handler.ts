/**
 * Lambda entry point of the `analyze-slow-queries` task: MySQL slow-query log text (inline or in
 * S3) in, per-fingerprint count / total / p95 / max query time and rows out.
 * See analyze.ts for the work and payload.ts for the payload.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { taskHandler } from '../../core/task-runtime.js';
import { analyzeSlowQueries } from './analyze.js';
import { parseAnalyzeSlowQueriesPayload } from './payload.js';

const s3 = new S3Client({});

export const handler = taskHandler({ parsePayload: parseAnalyzeSlowQueriesPayload }, async (payload, ctx) =>
  analyzeSlowQueries(payload, {
    s3,
    signal: ctx.signal,
    progress: (percent, message) => ctx.progress(percent, message),
  }),
);
