// The last steps of `npm start`'s tour: the long Python job `cross-region-rollup` (Step Functions + an ECS task
// that runs here as a child process in a venv of its pins) over two regions' analyze-slow-queries summaries,
// then `stask cost`: what the tour's tasks cost, from their recorded usage and functions/core/prices.json.
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { STACK_OUTPUTS } from '../functions/core/facts.js';
import type { DevPlatform } from './dev-platform.js';
import { requireOutput } from './platform.js';
import type { TourIo } from './tour-kafka.js';

/** Two regions' summaries: `summary` as us-east-1, `regressed` as eu-west-1. */
export interface RollupTourInput {
  readonly run: string;
  readonly summary: unknown;
  readonly regressed: unknown;
}

export async function rollupAndCostTourSteps(dev: DevPlatform, io: TourIo, input: RollupTourInput): Promise<void> {
  const s3 = dev.platform.servers.s3.client;
  const media = requireOutput(dev.platform.outputs, STACK_OUTPUTS.mediaBucketName);
  const prefix = `slow-queries/tour-${input.run}/`;
  const outputKey = `reports/tour-${input.run}.json`;

  io.heading('12. A long Python job (pandas): cross-region-rollup over two regions\' summaries');
  for (const [region, document] of [['us-east-1', input.summary], ['eu-west-1', input.regressed]] as const) {
    await s3.send(new PutObjectCommand({ Bucket: media, Key: `${prefix}${region}.json`, Body: JSON.stringify(document) }));
    io.say(`  s3://${media}/${prefix}${region}.json`);
  }
  io.say('  (the first run builds the job\'s venv from its pinned requirements: about 30 s)');
  const code = await io.stask('invoke', 'cross-region-rollup', '--id', `rollup-${input.run}`, '--payload', JSON.stringify({ prefix, output_key: outputKey, top: 3 }), '--wait');
  if (code === 0) {
    const report = await s3.send(new GetObjectCommand({ Bucket: media, Key: outputKey }));
    const text = pretty((await report.Body?.transformToString()) ?? '');
    io.say(`  s3://${media}/${outputKey}:`);
    io.say(text.length > 1200 ? `${indent(text.slice(0, 1200))}…` : indent(text));
  }

  io.heading('13. stask cost: what the tour\'s tasks cost on AWS, and an always-on cluster for their peak');
  await io.stask('cost', '--since', '1h');
}

function pretty(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

function indent(text: string): string {
  return text.replace(/^/gm, '  ');
}
