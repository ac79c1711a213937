import { chmod, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTestCertificate, type TestCertificate } from './certs.js';
import { runEngine, type EngineRun } from './engine.js';
import { makeRoleTree } from './data.js';
import type { SambaServer } from './samba.js';
import { scratchDir } from './scratch.js';

/** One simulated Azure Stack stamp: its own state directory, roles and certificate, on a share folder. */
export interface Stamp {
  home: string;
  work: string;
  cert: TestCertificate;
  samba: SambaServer;
  folder: string;
  roles: { KeyVault: string; WAS: string };
  run(args: string[], secrets?: Record<string, string>): Promise<EngineRun>;
}

export async function newStamp(samba: SambaServer, folder: string, sizes = { keyVaultMiB: 1, wasMiB: 1 }): Promise<Stamp> {
  const work = await scratchDir('azsb-stamp-');
  const roles = { KeyVault: join(work, 'data', 'keyvault'), WAS: join(work, 'data', 'was') };
  makeRoleTree(roles.KeyVault, sizes.keyVaultMiB);
  makeRoleTree(roles.WAS, sizes.wasMiB);
  // The admin creates the folder the backup path names; the engine never invents it.
  await mkdir(join(samba.shareDir, folder), { mode: 0o777 });
  await chmod(join(samba.shareDir, folder), 0o777);
  const home = join(work, 'state');
  return {
    home,
    work,
    cert: makeTestCertificate(join(work, 'cert')),
    samba,
    folder,
    roles,
    run: (args, secrets) => runEngine(args, { home, env: samba.env, ...(secrets ? { secrets } : {}) }),
  };
}

/** Points the stamp at its share folder (with the password on stdin) and registers both roles. */
export async function configureStamp(stamp: Stamp, extraArgs: string[] = [], extraSecrets: Record<string, string> = {}): Promise<EngineRun> {
  const set = await stamp.run(
    ['config', 'set', '--path', `${stamp.samba.uncPath}\\${stamp.folder}`, '--user-name', stamp.samba.userName, ...extraArgs],
    { password: stamp.samba.password, ...extraSecrets },
  );
  if (set.error) return set;
  for (const [name, path] of Object.entries(stamp.roles)) {
    const added = await stamp.run(['role', 'add', '--name', name, '--path', path]);
    if (added.error) return added;
  }
  return set;
}
