/**
 * Issue 11, finding 10: what a restore gives back besides the bytes. Pack a tree, extract it into
 * a fresh folder, and compare mode, owner, times, symlinks and empty folders, the top folder too.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { packDirectory } from '../../../ts/archive/tar-writer.js';
import { extractTar, listTar } from '../../../ts/archive/tar-reader.js';
import { makeFidelityTree, treeMeta } from '../../support/data.js';

let work: string;
beforeEach(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'azsb-fidelity-'));
});
afterEach(async () => {
  await rm(work, { recursive: true, force: true });
});

async function packToBuffer(root: string): Promise<Buffer> {
  const packed = packDirectory(root);
  const chunks: Buffer[] = [];
  for await (const c of packed.stream) chunks.push(c as Buffer);
  await packed.done;
  return Buffer.concat(chunks);
}

describe('restore fidelity', () => {
  it('gives back mode, owner, times, symlinks and empty folders, the top folder included', async () => {
    const source = path.join(work, 'source');
    makeFidelityTree(source);
    const archive = await packToBuffer(source);
    const dest = path.join(work, 'restored');
    // Restore creates its temporary top folder private (0700), as restore.ts does.
    execFileSync('mkdir', ['-m', '0700', dest]);
    await extractTar(Readable.from([archive]), dest);
    expect(treeMeta(dest)).toEqual(treeMeta(source));
    expect(treeMeta(dest)['.']).toMatch(/^dir mode=755 /);
  });

  it('records owner ids and names as tar does, readable by GNU tar', async () => {
    const source = path.join(work, 'source');
    makeFidelityTree(source);
    const archive = await packToBuffer(source);
    const listed = await listTar(Readable.from([archive]));
    const byPath = new Map(listed.entries.map((e) => [e.path, e]));
    if (process.getuid?.() === 0) {
      expect(byPath.get('shared/readme.txt')).toMatchObject({ uid: 65534, gid: 65534, uname: 'nobody', gname: 'nogroup' });
      expect(byPath.get('private/secret.key')).toMatchObject({ uid: 4242, gid: 4343 });
      expect(byPath.get('private/secret.key')?.uname).toBeUndefined();
    }
    const tarFile = path.join(work, 'a.tar');
    await import('node:fs/promises').then((fs) => fs.writeFile(tarFile, archive));
    const verbose = execFileSync('tar', ['--numeric-owner', '-tvf', tarFile], { encoding: 'utf8' });
    if (process.getuid?.() === 0) expect(verbose).toMatch(/65534\/65534 .* shared\/readme\.txt/);
    expect(verbose).toMatch(/^drwxr-xr-x .* \.\/$/m);
  });
});
