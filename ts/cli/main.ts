import { Command, Option } from 'commander';
import { ENGINE_VERSION } from '../version.js';
import { runCommand } from './run.js';
import { blobUrlArgument, parseBoolean, parseInteger } from './parse.js';

// Each command loads the part of the engine it runs, when it runs. Every cmdlet starts the
// engine, and loading all of it at start (zlib, worker threads and readline with the backup and
// restore paths) cost each start 25-35 ms, a fifth of it.
const configuration = () => import('../engine/configuration.js');
const roles = () => import('../engine/roles.js');
const backups = () => import('../engine/backups.js');
const start = () => import('../engine/start.js');
const restore = () => import('../engine/restore.js');
const verify = () => import('../engine/verify.js');
const keys = () => import('../crypto/index.js');
const status = () => import('../engine/status.js');
const prune = () => import('../engine/prune.js');
const serviceRun = () => import('../engine/service.js');
const serviceInstall = () => import('../engine/service-install.js');

/** The engine's command line: a thin layer over the library in ts/engine (docs/CLI.md). */
export function buildProgram(): Command {
  const program = new Command('azsbackup')
    .description('AzsBackup engine: infrastructure backup to an SMB share, a local folder or an Azure Blob container.')
    .version(ENGINE_VERSION, '--version', 'print the engine version')
    .addOption(new Option('--text', 'print for humans instead of JSON lines'))
    .showHelpAfterError();
  const opts = () => program.opts<{ text?: boolean }>();
  const secretsOption = () => new Option('--secrets-stdin', 'read secrets as one JSON object from stdin');

  const config = program.command('config').description('backup location settings');
  config
    .command('get')
    .description('print the backup location (BackupLocation)')
    .action(() => runCommand(opts(), async (ctx) => (await configuration()).getBackupLocation(ctx)));
  config
    .command('set')
    .description('change only the given settings; secrets (password, encryptionKey, blobStorageKey, a SAS URL as blobStorageUrl) come on stdin')
    .option('--location <name>', 'region name')
    .option('--path <path>', 'UNC path (\\\\server\\share\\folder) or local/mounted path')
    .option('--blob-storage-url <url>', 'Azure Blob container URL without a SAS (a SAS URL goes on stdin as blobStorageUrl)')
    .option('--user-name <user>', 'DOMAIN\\user for the share')
    .option('--frequency <hours>', 'backup frequency in hours (4-12)')
    .option('--retention <days>', 'retention period in days (2-14)')
    .option('--scheduler <bool>', 'automatic backups on (true) or off (false)')
    .option('--encryption-cert <file>', 'public key certificate (.cer) to encrypt backups to')
    .option('--staging-path <dir>', 'local staging cache')
    .option('--volume-size-mib <n>', 'volume size in MiB')
    .option('--create-path', 'create the backup folder (and missing parents) on the share')
    .option('--smb-signing <policy>', 'Required (default) or Relaxed: accept unsigned SMB sessions from an old server (warned)')
    .option('--tag <name=value>', 'resource tag (repeatable); replaces the tags', (v: string, all: string[]) => [...all, v], [] as string[])
    .addOption(secretsOption())
    .action((o: Record<string, string | boolean | string[] | undefined>) =>
      runCommand({ ...opts(), secretsStdin: Boolean(o.secretsStdin) }, async (ctx, secrets) =>
        (await configuration()).setBackupLocation(ctx, {
          location: o.location as string | undefined,
          path: o.path as string | undefined,
          userName: o.userName as string | undefined,
          password: secrets.password,
          blobStorageUrl: blobUrlArgument(o.blobStorageUrl as string | undefined, secrets.blobStorageUrl),
          blobStorageKey: secrets.blobStorageKey,
          backupFrequencyInHours: parseInteger('BackupFrequencyInHours', o.frequency as string | undefined),
          backupRetentionPeriodInDays: parseInteger('BackupRetentionPeriodInDays', o.retention as string | undefined),
          isBackupSchedulerEnabled: parseBoolean('IsBackupSchedulerEnabled', o.scheduler as string | undefined),
          encryptionCertPath: o.encryptionCert as string | undefined,
          encryptionKey: secrets.encryptionKey,
          stagingPath: o.stagingPath as string | undefined,
          volumeSizeMiB: parseInteger('VolumeSizeMiB', o.volumeSizeMib as string | undefined),
          smbSigning: o.smbSigning as string | undefined,
          tags: o.tag as unknown as string[],
          createPath: Boolean(o.createPath),
        }),
      ),
    );

  config
    .command('clear')
    .description('forget the backup location and its credentials; schedule off, frequency and retention back to 12 h and 7 days')
    .action(() => runCommand(opts(), async (ctx) => (await configuration()).clearBackupLocation(ctx)));

  const schedule = program.command('schedule').description('automatic backups');
  schedule.command('enable').action(() => runCommand(opts(), async (ctx) => (await configuration()).setScheduler(ctx, true)));
  schedule.command('disable').action(() => runCommand(opts(), async (ctx) => (await configuration()).setScheduler(ctx, false)));

  const role = program.command('role').description('infrastructure roles (data sources)');
  role
    .command('add')
    .requiredOption('--name <name>', 'role name, e.g. KeyVault')
    .requiredOption('--path <dir>', 'local directory holding the role data')
    .action((o: { name: string; path: string }) => runCommand(opts(), async (ctx) => {
      const r = await roles();
      return r.toBackupRole(await r.addRole(ctx, o.name, o.path));
    }));
  role
    .command('set')
    .requiredOption('--name <name>', 'role name')
    .requiredOption('--path <dir>', 'the new local directory holding the role data')
    .action((o: { name: string; path: string }) => runCommand(opts(), async (ctx) => {
      const r = await roles();
      return r.toBackupRole(await r.setRole(ctx, o.name, o.path));
    }));
  role.command('list').action(() => runCommand(opts(), async (ctx) => {
    const r = await roles();
    return (await r.listRoles(ctx)).map(r.toBackupRole);
  }));
  role
    .command('remove')
    .requiredOption('--name <name>', 'role name')
    .action((o: { name: string }) => runCommand(opts(), async (ctx) => {
      const r = await roles();
      return r.toBackupRole(await r.removeRole(ctx, o.name));
    }));

  const backup = program.command('backup').description('backups');
  backup
    .command('start')
    .option('--automatic', 'mark the backup as started by the scheduler')
    .option('--no-wait', 'return as soon as the backup is running')
    .option('--backup-id <guid>', 'internal: the id chosen by a --no-wait parent')
    .action((o: { automatic?: boolean; wait: boolean; backupId?: string }) =>
      runCommand(opts(), async (ctx) => {
        const s = await start();
        return o.wait ? s.startBackup(ctx, { automatic: Boolean(o.automatic), backupId: o.backupId }) : s.startBackupDetached(ctx, { automatic: Boolean(o.automatic) });
      }),
    );
  backup
    .command('list')
    .option('--top <n>', 'return at most n backups')
    .option('--skip <n>', 'skip the first n backups')
    .action((o: { top?: string; skip?: string }) => runCommand(opts(), async (ctx) => (await backups()).listBackups(ctx, o)));
  backup
    .command('get')
    .argument('<name>', 'backup id (GUID) or region/GUID')
    .action((name: string) => runCommand(opts(), async (ctx) => (await backups()).getBackup(ctx, name)));
  backup
    .command('verify')
    .argument('<name>', 'backup id (GUID) or region/GUID')
    .option('--pfx <file>', '.pfx to authenticate every chunk (password on stdin as pfxPassword)')
    .option('--with-key', 'authenticate every chunk with the configured legacy key')
    .addOption(secretsOption())
    .action((name: string, o: { pfx?: string; withKey?: boolean; secretsStdin?: boolean }) =>
      runCommand({ ...opts(), secretsStdin: Boolean(o.secretsStdin) }, async (ctx, secrets) =>
        (await verify()).verifyBackup(ctx, name, {
          pfxPath: o.pfx,
          pfxPassword: secrets.pfxPassword,
          encryptionKey: secrets.encryptionKey,
          withKey: Boolean(o.pfx || o.withKey || secrets.encryptionKey),
        }),
      ),
    );

  program
    .command('restore')
    .description('restore a backup (all roles, or one)')
    .argument('<name>', 'backup id (GUID) or region/GUID')
    .option('--pfx <file>', 'decryption certificate with private key (.pfx); password on stdin as pfxPassword')
    .option('--role <name>', 'restore only this role')
    .option('--destination <dir>', 'restore beside the originals, into <dir>/<role>')
    .addOption(secretsOption())
    .action((name: string, o: { pfx?: string; role?: string; destination?: string; secretsStdin?: boolean }) =>
      runCommand({ ...opts(), secretsStdin: Boolean(o.secretsStdin) }, async (ctx, secrets) =>
        (await restore()).restoreBackup(ctx, {
          name,
          pfxPath: o.pfx,
          pfxPassword: secrets.pfxPassword,
          encryptionKey: secrets.encryptionKey,
          roleName: o.role,
          destination: o.destination,
        }),
      ),
    );

  program
    .command('status')
    .description('the Essentials view: schedule, last backup, capacity, certificate, warnings')
    .action(() => runCommand(opts(), async (ctx) => (await status()).backupStatus(ctx)));

  program
    .command('prune')
    .description('delete expired backups, incomplete uploads and stale certificate copies')
    .option('--dry-run', 'list what would be deleted, delete nothing')
    .action((o: { dryRun?: boolean }) => runCommand(opts(), async (ctx) => (await prune()).pruneExternalStore(ctx, Boolean(o.dryRun))));

  const service = program.command('service').description('the scheduler service');
  service
    .command('run')
    .description('run the scheduler in the foreground until SIGTERM')
    .option('--tick-seconds <n>', 'how often to look at the schedule', '30')
    .action((o: { tickSeconds: string }) =>
      runCommand(opts(), async (ctx) => {
        await (await serviceRun()).runService(ctx, Number(o.tickSeconds) * 1000);
        return undefined;
      }),
    );
  service
    .command('unit')
    .description('print a systemd unit for the service')
    .option('--binary <path>', 'path of the installed binary', process.execPath)
    .action((o: { binary: string }) =>
      runCommand(opts(), async (ctx) => (await serviceInstall()).unitFor(ctx, o.binary)),
    );
  const rootOption = () => new Option('--root <dir>', 'file system root to install under (a folder for tests and images)').default('/');
  service
    .command('install')
    .description('write the systemd unit, enable it and (under /) start it')
    .option('--binary <path>', 'path of the installed binary', process.execPath)
    .addOption(rootOption())
    .action((o: { binary: string; root: string }) => runCommand(opts(), async (ctx) => (await serviceInstall()).installService(ctx, { root: o.root, binaryPath: o.binary })));
  service
    .command('show')
    .description('whether the unit is installed, enabled and running')
    .addOption(rootOption())
    .action((o: { root: string }) => runCommand(opts(), async (ctx) => (await serviceInstall()).showService(ctx, o.root)));
  service
    .command('uninstall')
    .description('stop, disable and remove the unit')
    .addOption(rootOption())
    .action((o: { root: string }) => runCommand(opts(), async (ctx) => (await serviceInstall()).uninstallService(ctx, o.root)));

  program
    .command('key')
    .description('legacy encryption keys')
    .command('new')
    .description('a new key as New-AzsEncryptionKeyBase64 makes it')
    .action(() => runCommand(opts(), async () => (await keys()).newLegacyKey()));

  return program;
}

// A reader that goes away (a closed pipe) must not kill a backup or restore half way: the work
// finishes and is recorded in the catalog; only what it would have printed is lost.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE' && err.code !== 'ERR_STREAM_DESTROYED') throw err;
  });
}

buildProgram()
  .parseAsync(process.argv)
  .catch((err: unknown) => {
    process.stderr.write(`${String(err)}\n`);
    process.exitCode = 1;
  });
