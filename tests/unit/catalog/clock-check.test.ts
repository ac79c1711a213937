import { describe, expect, it } from 'vitest';
import { checkShareClock } from '../../../ts/catalog/clock-check.js';
import { AzsError } from '../../../ts/errors.js';
import { MemoryTarget } from '../../support/memory-target.js';

const LOCAL = new Date('2024-03-20T12:00:00.000Z');
const MIN = 60_000;

function shareOffBy(ms: number): MemoryTarget {
  return new MemoryTarget({ shareClock: () => new Date(LOCAL.getTime() + ms), description: '\\\\fs01\\backup' });
}

describe('checkShareClock', () => {
  it('passes when the clocks agree, and cleans up its probe', async () => {
    const target = shareOffBy(2 * MIN);
    const result = await checkShareClock(target, () => LOCAL);
    expect(result.skewMs).toBe(2 * MIN);
    expect(result.shareTime).toEqual(new Date(LOCAL.getTime() + 2 * MIN));
    expect(target.paths()).toEqual(['MASBackup/']);
    const written = target.calls.find((c) => c.startsWith('writeFile '));
    expect(written).toMatch(/^writeFile MASBackup\/\.clockprobe-[0-9a-f]{16}$/);
    expect(target.calls).toContain(`removeFile ${written?.slice('writeFile '.length)}`);
  });

  it('refuses with ClockSkew naming both times and the difference', async () => {
    const target = shareOffBy(-7 * MIN - 12_000);
    const err = (await checkShareClock(target, () => LOCAL).catch((e: unknown) => e)) as AzsError;
    expect(err).toBeInstanceOf(AzsError);
    expect(err.code).toBe('ClockSkew');
    expect(err.exitCode).toBe(9);
    expect(err.message).toContain('7 min 12 s');
    expect(err.message).toContain('share: 2024-03-20T11:52:48.000Z');
    expect(err.message).toContain('local: 2024-03-20T12:00:00.000Z');
    expect(err.message).toContain('behind');
    expect(err.remediation).toMatch(/NTP/);
    expect(target.paths()).toEqual(['MASBackup/']);
  });

  it('honours a custom tolerance and a share ahead of us', async () => {
    await expect(checkShareClock(shareOffBy(90_000), () => LOCAL, MIN)).rejects.toMatchObject({ code: 'ClockSkew' });
    await expect(checkShareClock(shareOffBy(2 * 3_600_000), () => LOCAL)).rejects.toThrow(/2 h 0 min 0 s .*ahead/);
  });

  it('does not mistake a slow write for skew', async () => {
    // The share stamps the file 3 minutes after we started writing, but before we finished.
    let calls = 0;
    const clock = () => new Date(LOCAL.getTime() + (calls++ === 0 ? 0 : 10 * MIN));
    const target = shareOffBy(3 * MIN);
    expect((await checkShareClock(target, clock, MIN)).skewMs).toBe(0);
  });

  it('reports a probe missing from the listing as a share fault and still tries to delete it', async () => {
    const target = shareOffBy(0);
    target.list = async () => [];
    await expect(checkShareClock(target, () => LOCAL)).rejects.toMatchObject({ code: 'ShareGeneralFault' });
    expect(target.paths()).toEqual(['MASBackup/']);
  });
});

describe('MemoryTarget', () => {
  it('behaves like a strict share', async () => {
    const t = new MemoryTarget({ shareClock: () => LOCAL });
    await expect(t.writeFile('MASBackup/x', Buffer.from('1'))).rejects.toMatchObject({ code: 'SharePathFault' });
    await t.ensureDirectory('MASBackup/a/b');
    await t.writeFile('MASBackup/a/b/f.bin', Buffer.from('hello'));
    t.setModified('MASBackup/a', new Date(0));
    expect(await t.list('MASBackup')).toEqual([{ name: 'a', isDirectory: true, size: 0, modified: new Date(0) }]);
    expect(await t.list('nope')).toEqual([]);
    await t.rename('MASBackup/a', 'MASBackup/c');
    expect((await t.readFile('MASBackup/c/b/f.bin')).toString()).toBe('hello');
    const chunks: Buffer[] = [];
    for await (const c of await t.openRead('MASBackup/c/b/f.bin')) chunks.push(c as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe('hello');
    await t.removeFile('MASBackup/c/b/missing');
    await t.removeDirectory('MASBackup/c');
    expect(t.paths()).toEqual(['MASBackup/']);
    t.seedFile('MASBackup/certificates/AB.cer', 'x', new Date(5));
    expect((await t.list('/MASBackup/certificates/'))[0]?.modified).toEqual(new Date(5));
  });
});
