import { createInterface } from 'node:readline';
import { pipeline } from 'node:stream';
import { AzsError } from '../errors.js';
import { createDecryptStream, type Identity } from '../crypto/index.js';
import type { BackupInfo } from '../catalog/types.js';
import type { ManifestFileLine, ManifestHeader } from '../catalog/manifest.js';
import type { StorageTarget } from '../storage/target.js';
import { openVolume } from './volume-reader.js';

/** What a role's restore is checked against: path → size and SHA-256 of the file as backed up. */
export type ExpectedFiles = Map<string, { size: number; sha256: string; seen: boolean }>;

export interface ManifestView {
  header: ManifestHeader;
  /** Only for the roles asked for, so a one-role restore does not load every role's files. */
  files: Map<string, ExpectedFiles>;
}

function broken(info: BackupInfo, cause?: unknown): AzsError {
  return new AzsError('IntegrityFailed', `The manifest of backup ${info.backupId} decrypted but is not valid.`, { target: info.manifest.file, cause });
}

/** Decrypts the manifest (checked like any volume) and reads it line by line. */
export async function readManifest(
  target: StorageTarget,
  info: BackupInfo,
  identities: Identity[],
  wantRole: (name: string) => boolean = () => true,
): Promise<ManifestView> {
  const stream = await openVolume(
    target,
    info.backupId,
    { file: info.manifest.file, role: '', index: 0, size: info.manifest.size, sha256: info.manifest.sha256 },
    null,
  );
  const decrypted = pipeline(
    stream,
    createDecryptStream(identities, {
      expectedContext: { contentType: 'manifest', backupId: info.backupId, role: null, index: null },
      target: info.manifest.file,
    }),
    () => {},
  );
  let header: ManifestHeader | null = null;
  const files = new Map<string, ExpectedFiles>();
  // readline swallows stream errors; collect the decryptor's so a damaged manifest still fails.
  let failure: unknown = null;
  decrypted.on('error', (err) => (failure ??= err));
  try {
    for await (const line of createInterface({ input: decrypted, crlfDelay: Infinity })) {
      if (line === '') continue;
      const parsed = JSON.parse(line) as ManifestHeader | ManifestFileLine;
      if (parsed.type === 'manifest') {
        header = parsed;
        for (const role of parsed.roles) if (wantRole(role.name)) files.set(role.name, new Map());
      } else if (parsed.type === 'file') {
        files.get(parsed.role)?.set(parsed.path, { size: parsed.size, sha256: parsed.sha256, seen: false });
      }
    }
  } catch (err) {
    throw failure ?? broken(info, err);
  }
  if (failure) throw failure;
  if (!header || header.backupId !== info.backupId) throw broken(info);
  return { header, files };
}

/**
 * Marks a restored or listed file against the manifest. A path met twice (a file re-read because
 * it changed) is judged by its last copy, as extraction keeps the last one.
 */
export function markFile(expected: ExpectedFiles, path: string, size: number, sha256: string | undefined): void {
  const entry = expected.get(path);
  if (entry) entry.seen = entry.size === size && entry.sha256 === sha256;
}

/** After the whole archive was read: every manifest file must have matched. */
export function unmatched(expected: ExpectedFiles): string[] {
  const out: string[] = [];
  for (const [path, entry] of expected) if (!entry.seen) out.push(`${path} is missing or differs from the manifest`);
  return out;
}
