import { invalidParameter } from '../errors.js';
import { isWindowsDeviceName } from '../util/windows-names.js';
import { FREQUENCY_RANGE, RETENTION_RANGE } from './types.js';

export function validateFrequency(hours: number): number {
  if (!Number.isInteger(hours) || hours < FREQUENCY_RANGE.min || hours > FREQUENCY_RANGE.max) {
    throw invalidParameter('BackupFrequencyInHours', hours, `a whole number of hours from ${FREQUENCY_RANGE.min} to ${FREQUENCY_RANGE.max} (default 12)`);
  }
  return hours;
}

export function validateRetention(days: number): number {
  if (!Number.isInteger(days) || days < RETENTION_RANGE.min || days > RETENTION_RANGE.max) {
    throw invalidParameter('BackupRetentionPeriodInDays', days, `a whole number of days from ${RETENTION_RANGE.min} to ${RETENTION_RANGE.max} (default 7)`);
  }
  return days;
}

/** Region names become folder and resource-id segments, so keep them to ARM-safe characters. */
export function validateLocationName(name: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9-]{0,62}$/.test(name)) {
    throw invalidParameter('Location', name, 'a region name of letters, digits and hyphens (for example local or redmond)');
  }
  return name.toLowerCase();
}

export function validateRoleName(name: string): string {
  // Volumes are named <role>.001.azsb; 'CON.001.azsb' is the console device on Windows.
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(name) || isWindowsDeviceName(name.split('.')[0] ?? '')) {
    throw invalidParameter('Name', name, 'a role name of letters, digits, dot, hyphen or underscore, not a Windows device name such as CON or NUL (for example KeyVault or NRP)');
  }
  return name;
}
