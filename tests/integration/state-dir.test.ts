import { statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runEngine } from '../support/engine.js';

let work = '';
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'azsb-statedir-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

// The machine key and the sealed share password live there: nobody but root may list it.
it('creates the state directory readable by its owner only (0700), nested folders included', async () => {
  const home = join(work, 'new', 'state');
  const run = await runEngine(['config', 'get'], { home });
  expect(run.error, JSON.stringify(run.error)).toBeNull();
  expect(statSync(home).mode & 0o777).toBe(0o700);
  expect(statSync(join(home, 'config.json')).mode & 0o777).toBe(0o600);
});
