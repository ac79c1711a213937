import { AzsError } from '../errors.js';
import { isWindowsDeviceName } from '../util/windows-names.js';

/** A backup location on an SMB share, as `\\server\share\directory`. */
export interface UncLocation {
  kind: 'unc';
  /** IPv4 address, NetBIOS host name or FQDN, as given (case preserved). */
  server: string;
  share: string;
  /** Folder inside the share, '/'-separated, no leading or trailing separator; '' for the share root. */
  directory: string;
}

/** A backup location on a local disk or an already mounted file system. */
export interface LocalLocation {
  kind: 'local';
  path: string;
}

export type BackupPath = UncLocation | LocalLocation;

export interface ParsedUserName {
  /** NetBIOS domain (`DOMAIN\user`) or DNS domain (`user@domain`); null for a plain name. */
  domain: string | null;
  user: string;
  /** How it was written, so a client can hand it on in the form the admin chose. */
  form: 'downlevel' | 'upn' | 'plain';
}

const PATH_FORMS =
  'use a UNC path such as \\\\server\\share\\folder (or //server/share/folder) ' +
  'or an absolute path of a local or mounted folder';

function badPathOf(value: string, reason: string): AzsError {
  return new AzsError('InvalidParameter', `Path '${value}' is not valid: ${reason}.`, {
    target: 'Path',
    remediation: `Correct the backup path: ${PATH_FORMS}.`,
  });
}

// Control characters are never valid in SMB or Windows names, and a newline would also split
// the command lines smbclient reads.
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;
// What Windows refuses in a file or folder name. ';' is deliberately allowed: Azure Stack puts it
// in folder names.
const ILLEGAL_NAME_CHARS = /[<>:"|?*]/;
// Share names additionally may not hold these (Windows' NetShareAdd rules).
const ILLEGAL_SHARE_CHARS = /[<>:"|?*/\\[\]+=;,]/;

function checkIpv4(host: string): boolean | null {
  if (!/^\d+(\.\d+){3}$/.test(host)) return null;
  return host.split('.').every((octet) => octet.length <= 3 && Number(octet) <= 255);
}

function isHostName(host: string): boolean {
  if (host.length > 253) return false;
  // Underscore is not RFC 1123 but is common in NetBIOS names, which Windows accepts in UNC paths.
  return host
    .split('.')
    .every((label) => /^[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$/.test(label));
}

/**
 * Checks a folder name of the backup path the admin configures: on Windows (and on a Windows file
 * server) a device name opens the device, not a folder. Not part of invalidNameReason, which also
 * guards reads: a backup already written under such a name (role CON, on a Samba share) must
 * stay readable.
 */
function invalidPathFolderReason(name: string): string | null {
  if (isWindowsDeviceName(name)) return `'${name}' is a device name on Windows (CON, PRN, AUX, NUL, COM0-9, LPT0-9)`;
  return invalidNameReason(name);
}

/**
 * Checks one folder or file name inside a share or location. Shared by the UNC parser and by
 * the targets, which must also refuse names that would escape the location or act as wildcards.
 * Returns the reason it is invalid, or null.
 */
export function invalidNameReason(name: string): string | null {
  if (name.length === 0) return 'it contains an empty folder name (two separators in a row)';
  if (name === '.' || name === '..') return `'${name}' is not allowed as a folder name`;
  if (CONTROL_CHARS.test(name)) return 'it contains a control character';
  if (ILLEGAL_NAME_CHARS.test(name)) {
    return `'${name}' contains a character Windows does not allow in names (< > : " | ? *)`;
  }
  if (/[ .]$/.test(name)) {
    // Windows silently strips these, so the folder would not be the one the admin named.
    return `'${name}' ends with a space or a dot, which Windows does not keep`;
  }
  if (name.length > 255) return `'${name.slice(0, 32)}…' is longer than 255 characters`;
  return null;
}

/** `shown` is the path as the admin wrote it, for messages (it differs for \\?\ forms). */
function parseUnc(value: string, shown: string = value): UncLocation {
  const fail = (reason: string): AzsError => badPathOf(shown, reason);
  const rest = value.slice(2);
  if (/^[\\/]/.test(rest)) throw fail('a UNC path starts with exactly two separators');
  const parts = rest.split(/[\\/]/);
  // A single trailing separator (\\server\share\) is harmless; interior empties are checked below.
  if (parts.length > 1 && parts[parts.length - 1] === '') parts.pop();
  const [server = '', share, ...dirs] = parts;

  if (server === '') throw fail('the server name is missing after \\\\');
  if (server === '?' || server === '.') {
    throw fail('Win32 device paths (\\\\.\\) are not backup locations');
  }
  const ipv4 = checkIpv4(server);
  if (ipv4 === false) throw fail(`'${server}' is not a valid IPv4 address`);
  if (ipv4 === null && !isHostName(server)) {
    throw fail(`'${server}' is not a valid server name (use an IPv4 address, a host name or an FQDN)`);
  }

  if (share === undefined || share === '') {
    throw fail('the share name is missing (\\\\server\\share is the shortest UNC path)');
  }
  if (CONTROL_CHARS.test(share) || ILLEGAL_SHARE_CHARS.test(share)) {
    throw fail(`'${share}' contains a character not allowed in a share name`);
  }
  if (share.length > 80) throw fail('the share name is longer than 80 characters');

  for (const dir of dirs) {
    const reason = invalidPathFolderReason(dir);
    if (reason !== null) throw fail(reason);
  }
  return { kind: 'unc', server, share, directory: dirs.join('/') };
}

function parseLocal(value: string, platform: NodeJS.Platform, shown: string = value): LocalLocation {
  const fail = (reason: string): AzsError => badPathOf(shown, reason);
  if (platform === 'win32') {
    if (!/^[A-Za-z]:[\\/]/.test(value)) {
      throw fail('a local path must be absolute, starting with a drive such as D:\\');
    }
    const names = value.slice(3).split(/[\\/]/);
    if (names.length > 0 && names[names.length - 1] === '') names.pop();
    for (const name of names) {
      const reason = invalidPathFolderReason(name);
      if (reason !== null) throw fail(reason);
    }
    return { kind: 'local', path: value };
  }
  if (!value.startsWith('/')) {
    const reason = /^[A-Za-z]:[\\/]/.test(value)
      ? 'a drive letter path is only valid when the engine runs on Windows'
      : 'a relative path is ambiguous; give an absolute path';
    throw fail(reason);
  }
  if (value.includes('\0')) throw fail('it contains a NUL character');
  // '..' would make the location depend on symlinks and the current layout in surprising ways.
  if (value.split('/').some((segment) => segment === '..')) {
    throw fail("'..' is not allowed in a backup path");
  }
  return { kind: 'local', path: value };
}

/**
 * Parses the backup location path an admin configures. UNC paths are recognised on every
 * platform; which target serves them is storage/open.ts's decision.
 */
export function parseBackupPath(value: string, platform: NodeJS.Platform = process.platform): BackupPath {
  if (typeof value !== 'string' || value.trim() === '') throw badPathOf(String(value ?? ''), 'it is empty');
  if (value !== value.trim()) throw badPathOf(value, 'it has leading or trailing white space');
  // Win32 long-path forms: \\?\D:\... and \\?\UNC\server\share\... name the same places as
  // D:\... and \\server\share\...; Node adds the prefix itself wherever a path needs it.
  const longPath = /^\\\\\?\\(.*)$/.exec(value);
  if (longPath !== null) {
    const rest = longPath[1] ?? '';
    if (/^UNC\\/i.test(rest)) return parseUnc(`\\\\${rest.slice(4)}`, value);
    if (/^[A-Za-z]:\\/.test(rest)) return parseLocal(rest, platform, value);
    throw badPathOf(value, 'after \\\\?\\ only a drive (\\\\?\\D:\\...) or UNC\\server\\share is a backup location');
  }
  if (/^[\\/]{2}/.test(value)) return parseUnc(value);
  return parseLocal(value, platform);
}

/** The canonical Windows spelling of a UNC location, used in messages and descriptions. */
export function formatUnc(location: Omit<UncLocation, 'kind'>): string {
  const dir = location.directory === '' ? '' : `\\${location.directory.split('/').join('\\')}`;
  return `\\\\${location.server}\\${location.share}${dir}`;
}

// Characters Active Directory refuses in logon names ("Naming conventions in Active Directory").
const ILLEGAL_USER_CHARS = /["/\\[\]:;|=,+*?<>@]/;

function badUser(value: string, reason: string): AzsError {
  return new AzsError('InvalidParameter', `UserName '${value}' is not valid: ${reason}.`, {
    target: 'UserName',
    remediation: 'Pass UserName as DOMAIN\\user, user@domain.fqdn or user.',
  });
}

function checkUserPart(value: string, user: string): void {
  if (user === '') throw badUser(value, 'the user part is empty');
  if (user.length > 104) throw badUser(value, 'the user part is longer than 104 characters');
  if (CONTROL_CHARS.test(user)) throw badUser(value, 'it contains a control character');
  if (ILLEGAL_USER_CHARS.test(user)) {
    throw badUser(value, `'${user}' contains a character not allowed in a user name (" / \\ [ ] : ; | = , + * ? < > @)`);
  }
  if (user !== user.trim()) throw badUser(value, 'the user part has leading or trailing white space');
}

/** Parses `DOMAIN\user`, `user@domain` or a plain `user`. */
export function parseUserName(value: string): ParsedUserName {
  if (typeof value !== 'string' || value.trim() === '') throw badUser(String(value ?? ''), 'it is empty');
  const backslash = value.indexOf('\\');
  if (backslash >= 0) {
    const domain = value.slice(0, backslash);
    const user = value.slice(backslash + 1);
    // A NetBIOS domain name or, as Windows also accepts, the DNS name of the domain.
    if (domain === '' || !isHostName(domain)) {
      throw badUser(value, `'${domain}' is not a valid domain name`);
    }
    checkUserPart(value, user);
    return { domain, user, form: 'downlevel' };
  }
  const at = value.lastIndexOf('@');
  if (at >= 0) {
    const user = value.slice(0, at);
    const domain = value.slice(at + 1);
    if (domain === '' || !isHostName(domain)) {
      throw badUser(value, `'${domain}' is not a valid domain name after @`);
    }
    checkUserPart(value, user);
    return { domain, user, form: 'upn' };
  }
  checkUserPart(value, value);
  return { domain: null, user: value, form: 'plain' };
}

/**
 * Splits a path relative to a location ('/'-separated, as StorageTarget methods take it) into
 * names, refusing anything that could leave the location or be read as a wildcard by a server.
 * '' and '/' mean the location itself.
 */
export function splitRelativePath(relPath: string): string[] {
  if (typeof relPath !== 'string') throw relPathError(String(relPath), 'it is not a string');
  if (relPath.startsWith('/') && relPath.length > 1) {
    throw relPathError(relPath, 'it must be relative to the backup location');
  }
  const names = relPath.split('/').filter((name, index, all) => {
    // Tolerate a single leading or trailing '/'; an empty name in the middle is a caller bug.
    return !(name === '' && (index === 0 || index === all.length - 1));
  });
  for (const name of names) {
    const reason = invalidNameReason(name);
    if (reason !== null) throw relPathError(relPath, reason);
  }
  return names;
}

function relPathError(relPath: string, reason: string): AzsError {
  return new AzsError('InvalidParameter', `The path '${relPath}' inside the backup location is not valid: ${reason}.`, {
    target: relPath,
    remediation: 'Use names without < > : " | ? * or control characters, not ending with a space or dot.',
  });
}
