// scripts/demo: the module as an operator meets it, against a private Samba share.
import { repoRoot, runTypeScript } from '../tests/support/run-ts.mjs';

process.exitCode = await runTypeScript('scripts/demo-host.ts', [repoRoot]);
