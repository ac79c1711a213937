import { describe, expect, it } from 'vitest';
import { restoreTarget } from '../../../ts/engine/restore.js';
import type { ManifestRole } from '../../../ts/catalog/manifest.js';
import { AzsError } from '../../../ts/errors.js';

const role = (name: string, sourcePath = '/etc'): ManifestRole => ({ name, sourcePath, status: 'Succeeded', volumes: [], fileCount: 0, inconsistent: [], unreadable: [] });
const registered = [{ name: 'KeyVault', path: '/srv/keyvault' }];

describe('restoreTarget: where a role from a manifest may be written', () => {
  it('uses the path registered under the same name (any case), never the manifest path', () => {
    expect(restoreTarget(role('keyvault', '/etc'), registered, undefined)).toBe('/srv/keyvault');
  });

  it('puts any valid role under the destination', () => {
    expect(restoreTarget(role('Other'), registered, '/restore')).toBe('/restore/Other');
  });

  it.each(['..', '../etc', 'a/b', '/abs', '', '.hidden', 'x'.repeat(65)])('refuses the role name %j even with a destination', (name) => {
    let caught: unknown;
    try {
      restoreTarget(role(name), registered, '/restore');
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(AzsError);
    expect((caught as AzsError).code).toBe('IntegrityFailed');
  });

  it('refuses an unregistered role without a destination, naming -DestinationPath', () => {
    expect(() => restoreTarget(role('Other'), registered, undefined)).toThrow(/not registered/);
  });
});
