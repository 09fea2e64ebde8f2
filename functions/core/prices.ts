// The published prices the cost model multiplies recorded usage by: functions/core/prices.json (one file,
// stating its region, date and sources), checked when this module loads.
import { z } from 'zod';
import pricesJson from './prices.json' with { type: 'json' };

const price = z.number().nonnegative();
const sources = z.array(z.string().url()).min(1);
const pricesSchema = z.object({
  region: z.string().min(1),
  currency: z.literal('USD'),
  asOf: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  note: z.string(),
  lambda: z.object({ arm64GbSecond: price, request: price, sources }),
  fargate: z.object({
    arm64VcpuHour: price,
    arm64GbHour: price,
    ephemeralStorageGbHour: price,
    includedStorageGb: price,
    minimumSeconds: price,
    sources,
  }),
  stepFunctions: z.object({ standardStateTransition: price, sources }),
  dynamodb: z.object({ onDemandWriteRequestUnit: price, onDemandReadRequestUnit: price, sources }),
  sqs: z.object({ standardRequest: price, sources }),
});

export type Prices = z.infer<typeof pricesSchema>;

/** The prices of functions/core/prices.json; fails at load when the file is malformed. */
export const PRICES: Prices = pricesSchema.parse(pricesJson);
