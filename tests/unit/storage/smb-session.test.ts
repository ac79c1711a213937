import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findStdbuf, SmbSession } from '../../../ts/storage/smb-session.js';

// A stand-in for smbclient that speaks the session's end-of-batch convention: `lcd "<marker>"`
// is answered with "chdir to <marker> failed", here in two writes 30 ms apart, so the marker
// arrives split. `lines N` prints N listing-like lines, one write each, as smbclient does under
// stdbuf.
const FAKE = `
const { setTimeout: sleep } = require('node:timers/promises');
const rl = require('node:readline').createInterface({ input: process.stdin });
const queue = [];
let busy = false;
async function handle(line) {
  const lcd = /^lcd "(.*)"$/.exec(line);
  if (lcd) {
    process.stdout.write('chdir to ' + lcd[1].slice(0, 10));
    await sleep(30);
    process.stdout.write(lcd[1].slice(10) + ' failed\\n');
    return;
  }
  const lines = /^lines (\\d+)$/.exec(line);
  if (lines) for (let i = 0; i < Number(lines[1]); i++) process.stdout.write('  entry-' + i + '      A      923  Thu Dec  3 12:52:56 2026\\n');
}
rl.on('line', (line) => { queue.push(line); if (!busy) drain(); });
async function drain() { busy = true; while (queue.length) await handle(queue.shift()); busy = false; }
`;

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'azsb-session-'));
  writeFileSync(join(dir, 'fake-smbclient.cjs'), FAKE);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('SmbSession', () => {
  it('ends each batch at its marker, also when the marker and a long reply arrive in pieces', async () => {
    const stdbuf = findStdbuf({ PATH: process.env.PATH ?? '/usr/bin:/bin' });
    expect(stdbuf).not.toBeNull();
    const session = new SmbSession({ file: process.execPath, args: [join(dir, 'fake-smbclient.cjs')], env: { PATH: process.env.PATH ?? '' }, secret: null }, stdbuf!);
    try {
      const first = await session.run(['lines 3000']);
      expect(first.exit).toBeNull();
      const lines = first.output.split('\n').filter(Boolean);
      expect(lines).toHaveLength(3000);
      expect(lines[2999]).toContain('entry-2999');
      // The next batch starts clean: nothing of the first one's marker is left in its reply.
      const second = await session.run(['lines 2']);
      expect(second.output.split('\n').filter(Boolean)).toEqual([expect.stringContaining('entry-0'), expect.stringContaining('entry-1')]);
    } finally {
      await session.close();
    }
  });
});
