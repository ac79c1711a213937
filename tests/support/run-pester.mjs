// scripts/test calls this: the Pester host (real smbd, real certificates) runs the Pester suites.
import { repoRoot, runTypeScript } from './run-ts.mjs';

process.exitCode = await runTypeScript('tests/support/pester-host.ts', [repoRoot]);
