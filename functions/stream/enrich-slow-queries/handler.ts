/**
 * Lambda entry point of the `enrich-slow-queries` stream operator: slow-query events from Kafka in,
 * enriched events (fingerprint, masked SQL, class) out to the sink. Invalid JSON or fields → DLQ.
 */
import { operatorDepsFromEnv } from '../operator-env.js';
import { streamOperator } from '../operator.js';
import { enrichSlowQuery } from './enrich.js';

export const handler = streamOperator((value: unknown) => enrichSlowQuery(value), () => operatorDepsFromEnv());
