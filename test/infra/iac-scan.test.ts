import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServerlessTaskStack } from '../../lib/serverless-task-stack.js';
import { newTestApp } from './support.js';

// cfn-lint and checkov (PyPI, installed into .venv-tools by scripts/setup.sh) on the synthesized template:
// no cfn-lint error, and no checkov failure that test/infra/iac-scan/skips.json does not list with its reason.
interface Skips {
  readonly cfnLint: { readonly rule: string; readonly reason: string }[];
  readonly checkov: { readonly check: string; readonly resources: string[]; readonly reason: string }[];
}

const TOOLS = join(process.cwd(), '.venv-tools', 'bin');
const skips = JSON.parse(readFileSync(join(import.meta.dirname, 'iac-scan', 'skips.json'), 'utf8')) as Skips;
let outdir: string;
let template: string;

beforeAll(() => {
  outdir = mkdtempSync(join(tmpdir(), 'cdk-out-scan-'));
  const app = newTestApp({ outdir }); // cdk.json's feature flags: the template `cdk synth` deploys
  new ServerlessTaskStack(app, 'ServerlessTask');
  app.synth();
  template = join(outdir, 'ServerlessTask.template.json');
});
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

function tool(name: string): string {
  const path = join(TOOLS, name);
  if (!existsSync(path)) throw new Error(`${path} is missing: run ./scripts/setup.sh (it installs cfn-lint and checkov into .venv-tools)`);
  return path;
}

describe('IaC scanners on the synthesized template', () => {
  it('every skip has a reason', () => {
    for (const skip of [...skips.cfnLint, ...skips.checkov]) expect(skip.reason.length).toBeGreaterThan(20);
  });

  it('cfn-lint: zero errors (the skipped warnings are listed with their reason)', () => {
    // Act: non-zero exit means findings; the JSON lists them.
    const run = spawnSync(tool('cfn-lint'), ['--format', 'json', '--ignore-checks', ...skips.cfnLint.map((s) => s.rule), '--', template], { encoding: 'utf8' });
    const findings = JSON.parse(run.stdout || '[]') as { Rule: { Id: string }; Level: string; Message: string }[];

    // Assess
    expect(findings.map((f) => `${f.Rule.Id} ${f.Message}`)).toEqual([]);
  });

  it('checkov: every failed check is a listed skip, and every listed skip still matches a finding', () => {
    // Act
    // Exit 1 means failed checks (read from the JSON); --skip-download: no network, the checks bundled with the package.
    const out = spawnSync(tool('checkov'), ['-f', template, '--framework', 'cloudformation', '--quiet', '--compact', '--skip-download', '-o', 'json'], {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    }).stdout;
    const parsed = JSON.parse(out) as { results?: { failed_checks: { check_id: string; resource: string }[] } } | { results?: { failed_checks: { check_id: string; resource: string }[] } }[];
    const report = Array.isArray(parsed) ? parsed.find((r) => r.results) : parsed;
    const failed = (report?.results?.failed_checks ?? []).map((f) => ({ check: f.check_id, logicalId: f.resource.split('.').slice(1).join('.') }));
    const skipFor = (f: { check: string; logicalId: string }) => skips.checkov.find((s) => s.check === f.check && s.resources.some((r) => f.logicalId.startsWith(r)));

    // Assess
    expect(failed.filter((f) => !skipFor(f)).map((f) => `${f.check} ${f.logicalId}`)).toEqual([]);
    const unused = skips.checkov.flatMap((s) => s.resources.filter((r) => !failed.some((f) => f.check === s.check && f.logicalId.startsWith(r))).map((r) => `${s.check} ${r}`));
    expect(unused).toEqual([]);
  });
});
