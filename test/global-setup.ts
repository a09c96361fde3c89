import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';

export default function globalSetup(): void {
  // Inherited by the test workers: names this run's databases (see test/support/databases.ts).
  process.env.TEST_RUN_ID = randomBytes(3).toString('hex');
  const root = path.resolve(__dirname, '..');
  execFileSync(process.execPath, ['--import', 'tsx', path.join(root, 'test/support/prepare-templates.ts')], {
    cwd: root,
    stdio: 'inherit',
  });
}
