import { execFile } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { binaryPath, runEngine } from '../support/engine.js';

const run = promisify(execFile);

describe('the standalone binary', () => {
  it('runs with an empty environment (no PATH, no node)', async () => {
    const { stdout } = await run(binaryPath(), ['--version'], { env: {} });
    expect(stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('returns the default BackupLocation with the Azure Stack property names', async () => {
    const home = await mkdtemp(join(tmpdir(), 'azsb-bin-'));
    const result = await runEngine(['config', 'get'], { home });
    expect(result.exitCode).toBe(0);
    const location = result.data as Record<string, unknown>;
    expect(Object.keys(location)).toEqual([
      'Id', 'Name', 'Type', 'Location', 'Tag', 'Path', 'UserName', 'Password', 'BlobStorageUrl', 'BlobStorageKey', 'EncryptionCertBase64',
      'EncryptionCertThumbprint', 'BackupFrequencyInHours', 'BackupRetentionPeriodInDays',
      'IsBackupSchedulerEnabled', 'AvailableCapacity', 'NextBackupTime', 'LastBackupTime',
    ]);
    expect(location.Id).toMatch(
      /^\/subscriptions\/[0-9a-f-]{36}\/resourceGroups\/System\.local\/providers\/Microsoft\.Backup\.Admin\/backupLocations\/local$/,
    );
    expect(location.Type).toBe('Microsoft.Backup.Admin/backupLocations');
    expect(location.BackupFrequencyInHours).toBe(12);
    expect(location.BackupRetentionPeriodInDays).toBe(7);
    expect(location.Password).toBe('');
  });

  it('keeps resource tags, replacing them as -Tag does', async () => {
    const home = await mkdtemp(join(tmpdir(), 'azsb-bin-'));
    const first = await runEngine(['config', 'set', '--tag', 'env=prod', '--tag', 'owner=ops=team'], { home });
    expect((first.data as Record<string, unknown>).Tag).toEqual({ env: 'prod', owner: 'ops=team' });
    const second = await runEngine(['config', 'set', '--tag', 'env=test'], { home });
    expect((second.data as Record<string, unknown>).Tag).toEqual({ env: 'test' });
    const bad = await runEngine(['config', 'set', '--tag', 'novalue'], { home });
    expect(bad.error).toMatchObject({ code: 'InvalidParameter', target: 'Tag' });
  });

  it('answers an unknown command with a non-zero exit', async () => {
    const result = await runEngine(['no-such-command'], { home: await mkdtemp(join(tmpdir(), 'azsb-bin-')) });
    expect(result.exitCode).not.toBe(0);
  });
});
