import { Command, Option } from 'commander';
import { ENGINE_VERSION } from '../version.js';
import { getBackupLocation } from '../engine/configuration.js';
import { runCommand } from './run.js';

/** The engine's command line: a thin layer over the library in ts/engine (docs/CLI.md). */
export function buildProgram(): Command {
  const program = new Command('azsbackup')
    .description('AzsBackup engine: infrastructure backup to an SMB share or a local folder.')
    .version(ENGINE_VERSION, '--version', 'print the engine version')
    .addOption(new Option('--text', 'print for humans instead of JSON lines'))
    .showHelpAfterError()
    .enablePositionalOptions();

  const config = program.command('config').description('backup location settings');
  config
    .command('get')
    .description('print the backup location (BackupLocation)')
    .action(async () => runCommand(program.opts(), (ctx) => getBackupLocation(ctx)));

  return program;
}

buildProgram()
  .parseAsync(process.argv)
  .catch((err: unknown) => {
    process.stderr.write(`${String(err)}\n`);
    process.exitCode = 1;
  });
