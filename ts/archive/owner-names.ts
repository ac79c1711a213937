import { readFileSync } from 'node:fs';

/**
 * User and group names of this host, read once from /etc/passwd and /etc/group, as tar and
 * restic record them: a restore on another host maps by name first, since numeric ids differ
 * between hosts. Hosts without these files (Windows) simply record no names.
 */
export interface OwnerNames {
  userName(uid: number): string | undefined;
  groupName(gid: number): string | undefined;
  uidOf(name: string): number | undefined;
  gidOf(name: string): number | undefined;
}

function parse(file: string): { byId: Map<number, string>; byName: Map<string, number> } {
  const byId = new Map<number, string>();
  const byName = new Map<string, number>();
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return { byId, byName };
  }
  for (const line of text.split('\n')) {
    const [name, , id] = line.split(':');
    const n = Number(id);
    if (!name || id === undefined || id === '' || !Number.isSafeInteger(n)) continue;
    if (!byId.has(n)) byId.set(n, name);
    if (!byName.has(name)) byName.set(name, n);
  }
  return { byId, byName };
}

let cached: OwnerNames | undefined;

export function ownerNames(): OwnerNames {
  if (cached) return cached;
  const users = parse('/etc/passwd');
  const groups = parse('/etc/group');
  cached = {
    userName: (uid) => users.byId.get(uid),
    groupName: (gid) => groups.byId.get(gid),
    uidOf: (name) => users.byName.get(name),
    gidOf: (name) => groups.byName.get(name),
  };
  return cached;
}
