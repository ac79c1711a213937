import { isAbsolute, resolve } from 'node:path';
import { AzsError, invalidParameter } from '../errors.js';
import { loadConfiguration, saveConfiguration } from '../config/store.js';
import type { RoleSource } from '../config/types.js';
import { validateRoleName } from '../config/validate.js';
import { checkRoleSource } from '../roles/source-check.js';
import type { EngineContext } from './context.js';

export function toBackupRole(role: RoleSource): Record<string, unknown> {
  return { Name: role.name, Path: role.path };
}

/** Registers a role's data directory; refused up front if the agent could never back it up. */
export async function addRole(ctx: EngineContext, name: string, path: string): Promise<RoleSource> {
  const roleName = validateRoleName(name);
  if (!isAbsolute(path)) throw invalidParameter('Path', path, 'an absolute path of a local directory');
  const role = { name: roleName, path: resolve(path) };
  await checkRoleSource(role);
  const config = await loadConfiguration(ctx.home);
  if (config.roles.some((r) => r.name.toLowerCase() === roleName.toLowerCase())) {
    throw new AzsError('InvalidParameter', `A role named '${roleName}' is already registered.`, {
      target: 'Name',
      remediation: 'Remove it first with Remove-AzsBackupRole, or choose another name.',
    });
  }
  config.roles.push(role);
  await saveConfiguration(ctx.home, config);
  return role;
}

export async function listRoles(ctx: EngineContext): Promise<RoleSource[]> {
  return (await loadConfiguration(ctx.home)).roles;
}

export async function removeRole(ctx: EngineContext, name: string): Promise<RoleSource> {
  const config = await loadConfiguration(ctx.home);
  const index = config.roles.findIndex((r) => r.name.toLowerCase() === name.toLowerCase());
  const [removed] = index >= 0 ? config.roles.splice(index, 1) : [];
  if (!removed) {
    throw new AzsError('RoleNotFound', `No role named '${name}' is registered.`, {
      target: name,
      remediation: 'List the registered roles with Get-AzsBackupRole.',
    });
  }
  await saveConfiguration(ctx.home, config);
  return removed;
}

/** Points a registered role at another directory; refused, changing nothing, if that one could not be backed up. */
export async function setRole(ctx: EngineContext, name: string, path: string): Promise<RoleSource> {
  if (!isAbsolute(path)) throw invalidParameter('Path', path, 'an absolute path of a local directory');
  const config = await loadConfiguration(ctx.home);
  const existing = config.roles.find((r) => r.name.toLowerCase() === name.toLowerCase());
  if (!existing) {
    throw new AzsError('RoleNotFound', `No role named '${name}' is registered.`, {
      target: name,
      remediation: 'List the registered roles with Get-AzsBackupRole, or register it with Add-AzsBackupRole.',
    });
  }
  const changed = { name: existing.name, path: resolve(path) };
  await checkRoleSource(changed);
  existing.path = changed.path;
  await saveConfiguration(ctx.home, config);
  return changed;
}
