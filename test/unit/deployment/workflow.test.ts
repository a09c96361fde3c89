// .github/workflows/ci.yml runs on GitHub, not here: this checks that it parses and runs what
// .ci/run runs, against the servers .ci/run expects.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { ROOT_DIR } from '../../../shared/paths';

interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, string | number>;
}
interface Job {
  'runs-on': string;
  services?: Record<string, { image: string; ports?: string[]; env?: Record<string, string>; options?: string }>;
  steps: Step[];
}

const workflow = parse(readFileSync(path.join(ROOT_DIR, '.github/workflows/ci.yml'), 'utf8')) as {
  on: Record<string, unknown>;
  jobs: Record<string, Job>;
};

describe('the GitHub Actions workflow (.github/workflows/ci.yml)', () => {
  const test = workflow.jobs.test!;

  it('should run on pushes and pull requests', () => {
    expect(Object.keys(workflow.on).sort()).toEqual(['pull_request', 'push']);
  });

  it('should run .ci/run on the Node of .nvmrc (24) with the npm cache', () => {
    expect(test['runs-on']).toBe('ubuntu-latest');
    const setupNode = test.steps.find((step) => step.uses?.startsWith('actions/setup-node@'));
    expect(setupNode?.with).toMatchObject({ 'node-version-file': '.nvmrc', cache: 'npm' });
    expect(readFileSync(path.join(ROOT_DIR, '.nvmrc'), 'utf8').trim()).toBe('24');
    const runs = test.steps.flatMap((step) => (step.run ? [step.run.trim()] : []));
    expect(runs.at(-1)).toBe('bash .ci/run');
    // .ci/run checks the servers with both clients before it starts anything.
    const ciRun = readFileSync(path.join(ROOT_DIR, '.ci/run'), 'utf8');
    for (const client of ['pg_isready', 'redis-cli']) expect(ciRun).toContain(client);
    expect(runs.join('\n')).toMatch(/apt-get install .*postgresql-client.*redis-tools/);
  });

  it('should give the tests PostgreSQL 16 and Redis 7 on their default ports, healthy before the steps start', () => {
    const { postgres, redis } = test.services ?? {};
    expect(postgres).toMatchObject({ image: 'postgres:16', ports: ['5432:5432'], env: { POSTGRES_HOST_AUTH_METHOD: 'trust' } });
    expect(postgres?.options).toContain('--health-cmd');
    expect(redis).toMatchObject({ image: 'redis:7', ports: ['6379:6379'] });
    expect(redis?.options).toContain('--health-cmd');
  });

  it('should build the container image and serve a subgraph from it', () => {
    const runs = workflow.jobs.image!.steps.flatMap((step) => (step.run ? [step.run] : [])).join('\n');
    expect(runs).toContain('docker build');
    expect(runs).toMatch(/federation-shop:ci migrate product/);
    expect(runs).toMatch(/federation-shop:ci product/);
    expect(runs).toContain('/ready');
  });
});
