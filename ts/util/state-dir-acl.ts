/**
 * The state directory holds the sealed configuration, the machine key that unseals it, the catalog
 * and the logs. On Windows it defaults to %ProgramData%\AzsBackup, and %ProgramData% hands every
 * new folder read access for Users (and CREATOR OWNER rights): any local account could copy the
 * machine key and the sealed share password. So a state directory this engine creates on Windows
 * gets an ACL of its own: full control for SYSTEM and Administrators, inherited by everything in
 * it, and nothing inherited from above. As an SDDL string that is
 * `D:PAI(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)`.
 *
 * The ACL is applied with icacls, present on every Windows since Server 2003, using SIDs rather
 * than account names, which are localised ("Administratoren", "Système").
 */
import { execFile } from 'node:child_process';
import { mkdir, rm } from 'node:fs/promises';
import { AzsError } from '../errors.js';

export const LOCAL_SYSTEM_SID = 'S-1-5-18';
export const ADMINISTRATORS_SID = 'S-1-5-32-544';
/** The descriptor the icacls commands below produce (documented in docs/SCHEDULER.md). */
export const WINDOWS_STATE_DIR_SDDL = `D:PAI(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)`;

/**
 * The icacls argument lists, run in order, that leave `dir` readable only by SYSTEM and
 * Administrators. Granting comes first so that no moment exists in which nobody may open the
 * folder; /grant:r replaces any ACE those two already had; /inheritance:r then removes every
 * inherited ACE (Users, CREATOR OWNER) without copying them in.
 */
export function windowsStateDirAcl(dir: string): string[][] {
  const everythingBelow = '(OI)(CI)F';
  return [
    [dir, '/grant:r', `*${LOCAL_SYSTEM_SID}:${everythingBelow}`, `*${ADMINISTRATORS_SID}:${everythingBelow}`],
    [dir, '/inheritance:r'],
  ];
}

export type IcaclsRunner = (args: string[]) => Promise<void>;

export const runIcacls: IcaclsRunner = (args) =>
  new Promise((resolve, reject) => {
    execFile('icacls', args, { windowsHide: true }, (err, stdout, stderr) => {
      if (err) reject(new Error(`icacls ${args.join(' ')} failed: ${String(stderr || stdout || err.message).trim()}`));
      else resolve();
    });
  });

export interface EnsureStateDirectoryOptions {
  platform?: NodeJS.Platform;
  icacls?: IcaclsRunner;
}

/**
 * Creates the state directory if it does not exist: mode 0700 on POSIX, the SYSTEM and
 * Administrators ACL on Windows. A directory that already exists is left as it is (an admin may
 * have chosen its ACL; docs/SCHEDULER.md shows how to apply ours). If the ACL cannot be applied,
 * the folder just created is removed again, so the next run retries instead of using an open one.
 */
export async function ensureStateDirectory(home: string, options: EnsureStateDirectoryOptions = {}): Promise<void> {
  const created = await mkdir(home, { recursive: true, mode: 0o700 });
  if (created === undefined || (options.platform ?? process.platform) !== 'win32') return;
  const icacls = options.icacls ?? runIcacls;
  try {
    for (const args of windowsStateDirAcl(home)) await icacls(args);
  } catch (err) {
    await rm(created, { recursive: true, force: true });
    throw new AzsError('StateDirectoryUnprotected', `The state directory ${home} was created but could not be restricted to SYSTEM and Administrators: ${(err as Error).message}`, {
      target: home,
      cause: err,
      remediation: 'Run AzsBackup as SYSTEM or as an administrator (elevated), or create the folder yourself with that ACL (docs/SCHEDULER.md) and run it again.',
    });
  }
}
