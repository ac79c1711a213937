import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AzsError } from '../../../ts/errors.js';
import { loadConfiguration, saveConfiguration } from '../../../ts/config/store.js';
import { loadMachineKey, seal, unseal } from '../../../ts/config/seal.js';
import { validateFrequency, validateRetention } from '../../../ts/config/validate.js';
import { formatCapacity, isoDuration } from '../../../ts/catalog/azure-shape.js';
import { scratchDir } from '../../support/scratch.js';

const home = () => scratchDir('azsb-config-');

describe('frequency and retention ranges (seed: 4–12 h, 2–14 days)', () => {
  it.each([4, 12])('accepts frequency %i', (h) => expect(validateFrequency(h)).toBe(h));
  it.each([3, 13, 0, 6.5])('refuses frequency %s, naming the parameter and the range', (h) => {
    const err = (() => {
      try {
        validateFrequency(h);
      } catch (e) {
        return e;
      }
    })() as AzsError;
    expect(err).toBeInstanceOf(AzsError);
    expect(err.code).toBe('InvalidParameter');
    expect(err.target).toBe('BackupFrequencyInHours');
    expect(err.message).toContain(String(h));
    expect(err.message).toContain('4 to 12');
  });
  it.each([2, 14])('accepts retention %i', (d) => expect(validateRetention(d)).toBe(d));
  it.each([1, 15])('refuses retention %i', (d) => {
    expect(() => validateRetention(d)).toThrow(/BackupRetentionPeriodInDays 1?\d is not valid: .*2 to 14/);
  });
});

describe('configuration store', () => {
  it('writes defaults on first load and keeps the ids stable', async () => {
    const h = await home();
    const first = await loadConfiguration(h);
    const second = await loadConfiguration(h);
    expect(first.backupFrequencyInHours).toBe(12);
    expect(first.backupRetentionPeriodInDays).toBe(7);
    expect(second.deploymentId).toBe(first.deploymentId);
    expect(second.subscriptionId).toBe(first.subscriptionId);
    expect((await stat(join(h, 'config.json'))).mode & 0o777).toBe(0o600);
  });

  it('brings a configuration without the scheduler flag up with automatic backups off', async () => {
    const h = await home();
    await writeFile(join(h, 'config.json'), JSON.stringify({ schemaVersion: 1, location: 'local', path: '/mnt/x' }));
    const config = await loadConfiguration(h);
    expect(config.isBackupSchedulerEnabled).toBe(false);
    expect(config.path).toBe('/mnt/x');
  });

  it('reports a damaged file as ConfigurationCorrupt', async () => {
    const h = await home();
    await writeFile(join(h, 'config.json'), '{not json');
    await expect(loadConfiguration(h)).rejects.toMatchObject({ code: 'ConfigurationCorrupt' });
  });

  it('never writes a sealed secret in plain text', async () => {
    const h = await home();
    const key = await loadMachineKey(join(h, 'keys', 'machine.key'));
    const config = await loadConfiguration(h);
    config.password = seal(key, 'Sup3r$ecret-pa55');
    await saveConfiguration(h, config);
    const text = await readFile(join(h, 'config.json'), 'utf8');
    expect(text).not.toContain('Sup3r$ecret-pa55');
    const again = await loadConfiguration(h);
    expect(unseal(await loadMachineKey(join(h, 'keys', 'machine.key')), again.password!)).toBe('Sup3r$ecret-pa55');
    expect((await stat(join(h, 'keys', 'machine.key'))).mode & 0o777).toBe(0o600);
  });

  it('refuses to unseal with another machine key', async () => {
    const a = await loadMachineKey(join(await home(), 'k'));
    const b = await loadMachineKey(join(await home(), 'k'));
    expect(() => unseal(b, seal(a, 'x'))).toThrow(/cannot be unsealed/);
  });
});

describe('Azure Stack display formats', () => {
  it.each([
    [60 * 1024 ** 3, '60 GB'],
    [29.6 * 1024 ** 4, '29.6 TB'],
    [0.99 * 1024 ** 4, '1014 GB'],
    [512 * 1024 ** 2, '512 MB'],
  ])('formats %d bytes as %s', (bytes, text) => expect(formatCapacity(bytes)).toBe(text));

  it.each([
    [395_345, 'PT6M35.345S'],
    [1_248_597, 'PT20M48.597S'],
    [3_600_000 + 1_000, 'PT1H1S'],
    [0, 'PT0S'],
  ])('formats %d ms as %s', (ms, text) => expect(isoDuration(ms)).toBe(text));
});
