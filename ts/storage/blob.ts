import { stat } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import type * as AzureStorageBlob from '@azure/storage-blob';
import type { BlobItem, ContainerClient, StoragePipelineOptions, StorageSharedKeyCredential } from '@azure/storage-blob';
import { AzsError } from '../errors.js';
import { loadSideBundle, SIDE_BUNDLES } from '../util/side-bundle.js';
import { blobError, blobErrorCode, classifyBlobError } from './blob-errors.js';
import type { BlobLocation } from './blob-url.js';
import type { Capacity, RemoteEntry, StorageTarget } from './target.js';
import { splitRelativePath } from './unc.js';

/** The Azure Storage SDK, loaded when a blob location is opened, never at start (util/side-bundle.ts). */
export function loadAzureStorageBlob(): Promise<typeof AzureStorageBlob> {
  return loadSideBundle(SIDE_BUNDLES.azureStorageBlob, () => import('@azure/storage-blob'));
}

/** Size of one staged block on upload and of one ranged GET on download. */
export const BLOB_BLOCK_SIZE = 8 * 1024 * 1024;
/** Blocks in flight per upload: memory stays at about this many blocks whatever the file size. */
export const BLOB_UPLOAD_CONCURRENCY = 2;
/**
 * Each staged block is read from the staging file in pieces of this size. With 1 MiB pieces a
 * 1 GiB backup to Azurite peaked at 175-196 MB RSS (9 runs), with 64 KiB at 171-175 MB (6), in
 * the same time (256 KiB: 176-181 MB). Under the engine's glibc settings these pieces come from
 * malloc's heap, not from mmap; which of them stay held, and where, was not traced.
 */
const BLOB_READ_PIECE = 64 * 1024;

export interface BlobCredentials {
  /** Storage account key (Base64), or null. */
  accountKey: string | null;
  /** SAS query without '?', or null. Exactly one of the two is used; the SAS wins. */
  sas: string | null;
}

export interface BlobTargetOptions {
  /** The SDK's retry policy; a stopped endpoint should fail within seconds, not minutes. */
  retry?: StoragePipelineOptions['retryOptions'];
}

const DEFAULT_RETRY: NonNullable<StoragePipelineOptions['retryOptions']> = {
  maxTries: 3,
  retryDelayInMs: 500,
  maxRetryDelayInMs: 4000,
  // Without it one try has no time limit, and an endpoint that stops answering without closing
  // the connection would hang the backup; five minutes is far beyond one 8 MiB block.
  tryTimeoutInMs: 5 * 60_000,
};

/** Tries of one staging or commit request whose response came back torn. */
const TORN_RESPONSE_TRIES = 3;

/**
 * The SDK's retry policy retries a reset or refused connection, but not a response its HTTP
 * parser rejected (HPE_*), which is what a proxy or a network that tears a response produces.
 * Staging a block under the same id and committing the same list are idempotent, so such a
 * request is simply sent again rather than failing the whole backup.
 */
async function againIfTorn<T>(request: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await request();
    } catch (err) {
      if (attempt >= TORN_RESPONSE_TRIES || !blobErrorCode(err)?.startsWith('HPE_')) throw err;
    }
  }
}

function blockId(index: number): string {
  // Block ids of one blob must all have the same length.
  return Buffer.from(`azsb-block-${String(index).padStart(8, '0')}`).toString('base64');
}

/**
 * A backup location in an Azure Blob Storage container (or Azurite, or Azure Stack Hub storage).
 * The same layout as on a share: folders are blob-name prefixes. Volumes go up as staged blocks
 * and become visible only when the block list is committed, so a blob is either whole or absent;
 * small files are single writes, equally atomic. Downloads are sequential ranged GETs pinned to
 * the blob's ETag, so memory holds about one block whatever the volume size, and a blob replaced
 * mid-read fails instead of splicing two versions.
 */
export class BlobTarget implements StorageTarget {
  readonly description: string;
  readonly #container: ContainerClient;
  readonly #prefix: string;
  readonly #usesSas: boolean;
  #containerReady: Promise<void> | null = null;

  constructor(sdk: typeof AzureStorageBlob, location: BlobLocation, credentials: BlobCredentials, options: BlobTargetOptions = {}) {
    const { AnonymousCredential, ContainerClient, StorageSharedKeyCredential } = sdk;
    this.description = location.display;
    this.#prefix = location.prefix;
    this.#usesSas = credentials.sas !== null;
    const pipeline: StoragePipelineOptions = { retryOptions: options.retry ?? DEFAULT_RETRY };
    if (credentials.sas !== null) {
      this.#container = new ContainerClient(`${location.containerUrl}?${credentials.sas}`, new AnonymousCredential(), pipeline);
    } else if (credentials.accountKey !== null) {
      let credential: StorageSharedKeyCredential;
      try {
        credential = new StorageSharedKeyCredential(location.accountName, credentials.accountKey);
      } catch {
        throw new AzsError('InvalidParameter', 'BlobStorageKey is not valid: a storage account key is a Base64 string.', {
          target: 'BlobStorageKey',
          remediation: 'Copy key1 or key2 from the storage account\'s access keys and pass it with -BlobStorageKey.',
        });
      }
      this.#container = new ContainerClient(location.containerUrl, credential, pipeline);
    } else {
      throw new AzsError('NotConfigured', `No credential is configured for the blob location ${location.display}.`, {
        target: 'BlobStorageKey',
        remediation: 'Pass the storage account key with -BlobStorageKey, or a container URL carrying a SAS with -BlobStorageUrl.',
      });
    }
  }

  #name(relPath: string): string {
    const names = splitRelativePath(relPath);
    if (this.#prefix !== '') names.unshift(this.#prefix);
    return names.join('/');
  }

  #dirPrefix(relPath: string): string {
    const name = this.#name(relPath);
    return name === '' ? '' : `${name}/`;
  }

  /** Lists with a container SAS (which cannot read container properties) and creates only if missing. */
  async #ensureContainer(): Promise<void> {
    this.#containerReady ??= (async () => {
      try {
        await this.#container.listBlobsFlat({ prefix: this.#dirPrefix('') }).byPage({ maxPageSize: 1 }).next();
        return;
      } catch (err) {
        if (classifyBlobError(err) !== 'SharePathFault') throw blobError(err, this.description, 'listing the container');
      }
      try {
        await this.#container.createIfNotExists();
      } catch (err) {
        const failure = blobError(err, this.description, 'creating the container');
        if (this.#usesSas && failure.code === 'ShareAuthentication') {
          // A container-scoped SAS can never create its container: say what to do instead.
          throw new AzsError('SharePathFault', `The container ${this.description} does not exist, and the SAS in BlobStorageUrl is not allowed to create it.`, {
            target: this.description,
            remediation: 'Create the container in the storage account (or use an account SAS or the account key, which can create it), then run the command again.',
            cause: failure,
          });
        }
        throw failure;
      }
    })();
    this.#containerReady.catch(() => {
      this.#containerReady = null;
    });
    return this.#containerReady;
  }

  async ensureDirectory(_relPath: string): Promise<void> {
    // Folders are name prefixes: only the container has to exist.
    await this.#ensureContainer();
  }

  async upload(localFile: string, relPath: string): Promise<void> {
    await this.#ensureContainer();
    let size: number;
    try {
      size = (await stat(localFile)).size;
    } catch (err) {
      throw new AzsError('Internal', `The staged file '${localFile}' to upload does not exist.`, {
        cause: err,
        remediation: 'Check the staging folder and run the backup again.',
      });
    }
    const blob = this.#container.getBlockBlobClient(this.#name(relPath));
    const count = Math.ceil(size / BLOB_BLOCK_SIZE);
    const ids: string[] = [];
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < count) {
        const index = next++;
        const start = index * BLOB_BLOCK_SIZE;
        const length = Math.min(BLOB_BLOCK_SIZE, size - start);
        ids[index] = blockId(index);
        // A factory, so a retried request reads the block from the file again instead of buffering it.
        await againIfTorn(() => blob.stageBlock(ids[index]!, () => createReadStream(localFile, { start, end: start + length - 1, highWaterMark: BLOB_READ_PIECE }), length));
      }
    };
    try {
      await Promise.all(Array.from({ length: Math.min(BLOB_UPLOAD_CONCURRENCY, count) }, worker));
      await againIfTorn(() => blob.commitBlockList(ids));
    } catch (err) {
      throw blobError(err, this.description, `uploading '${relPath}'`);
    }
  }

  async rename(fromRelPath: string, toRelPath: string): Promise<void> {
    // Blob storage has no rename: copy through this process, block by block, then delete.
    await this.#ensureContainer();
    const from = this.#container.getBlobClient(this.#name(fromRelPath));
    const to = this.#container.getBlockBlobClient(this.#name(toRelPath));
    const operation = `renaming '${fromRelPath}' to '${toRelPath}'`;
    try {
      const source = await this.openRead(fromRelPath);
      const ids: string[] = [];
      let pending: Buffer[] = [];
      let pendingBytes = 0;
      const flush = async () => {
        const id = blockId(ids.length);
        ids.push(id);
        const block = Buffer.concat(pending);
        pending = [];
        pendingBytes = 0;
        await to.stageBlock(id, block, block.length);
      };
      for await (const chunk of source) {
        pending.push(chunk as Buffer);
        pendingBytes += (chunk as Buffer).length;
        if (pendingBytes >= BLOB_BLOCK_SIZE) await flush();
      }
      if (pendingBytes > 0) await flush();
      await to.commitBlockList(ids);
      await from.deleteIfExists();
    } catch (err) {
      throw blobError(err, this.description, operation);
    }
  }

  async #listFlat(relPath: string): Promise<BlobItem[]> {
    const items: BlobItem[] = [];
    try {
      for await (const item of this.#container.listBlobsFlat({ prefix: this.#dirPrefix(relPath) })) items.push(item);
    } catch (err) {
      if (classifyBlobError(err) === 'SharePathFault') return [];
      throw blobError(err, this.description, `listing '${relPath}'`);
    }
    return items;
  }

  async list(relPath: string): Promise<RemoteEntry[]> {
    // A flat listing rather than a delimited one: a folder's time is then its newest blob's, which
    // retention needs to tell an upload in progress from an abandoned one.
    const prefix = this.#dirPrefix(relPath);
    const byName = new Map<string, RemoteEntry>();
    for (const item of await this.#listFlat(relPath)) {
      const rest = item.name.slice(prefix.length);
      const slash = rest.indexOf('/');
      const modified = item.properties.lastModified;
      if (slash < 0) {
        byName.set(rest, { name: rest, isDirectory: false, size: item.properties.contentLength ?? 0, modified });
        continue;
      }
      const dir = rest.slice(0, slash);
      const seen = byName.get(dir);
      if (seen === undefined) byName.set(dir, { name: dir, isDirectory: true, size: 0, modified });
      else if (seen.isDirectory && modified > seen.modified) seen.modified = modified;
    }
    return [...byName.values()];
  }

  async openRead(relPath: string): Promise<Readable> {
    const blob = this.#container.getBlobClient(this.#name(relPath));
    const operation = `reading '${relPath}'`;
    let size: number;
    let etag: string | undefined;
    try {
      const props = await blob.getProperties();
      size = props.contentLength ?? 0;
      etag = props.etag;
    } catch (err) {
      throw blobError(err, this.description, operation);
    }
    const location = this.description;
    return Readable.from(
      (async function* () {
        for (let offset = 0; offset < size; offset += BLOB_BLOCK_SIZE) {
          const count = Math.min(BLOB_BLOCK_SIZE, size - offset);
          let body: NodeJS.ReadableStream | undefined;
          try {
            const response = await blob.download(offset, count, etag === undefined ? {} : { conditions: { ifMatch: etag } });
            body = response.readableStreamBody;
            if (body === undefined) throw new Error('the service returned no body');
            for await (const chunk of body) yield chunk as Buffer;
          } catch (err) {
            (body as Readable | undefined)?.destroy?.();
            throw blobError(err, location, operation);
          }
        }
      })(),
      { objectMode: false },
    );
  }

  async readFile(relPath: string): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const chunk of await this.openRead(relPath)) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  async writeFile(relPath: string, data: Buffer): Promise<void> {
    await this.#ensureContainer();
    try {
      await this.#container.getBlockBlobClient(this.#name(relPath)).upload(data, data.length);
    } catch (err) {
      throw blobError(err, this.description, `writing '${relPath}'`);
    }
  }

  async removeFile(relPath: string): Promise<void> {
    try {
      await this.#container.getBlobClient(this.#name(relPath)).deleteIfExists();
    } catch (err) {
      if (classifyBlobError(err) === 'SharePathFault') return;
      throw blobError(err, this.description, `deleting '${relPath}'`);
    }
  }

  async removeDirectory(relPath: string): Promise<void> {
    if (splitRelativePath(relPath).length === 0) {
      throw new AzsError('InvalidParameter', 'Refusing to delete the backup location itself.', {
        target: this.description,
        remediation: 'Name a folder inside the backup location.',
      });
    }
    // Blob by blob: prune removes a backup's metadata before calling this, so a deletion cut short
    // leaves an incomplete upload, never a backup that looks whole with volumes missing.
    for (const item of await this.#listFlat(relPath)) {
      try {
        await this.#container.getBlobClient(item.name).deleteIfExists();
      } catch (err) {
        throw blobError(err, this.description, `deleting folder '${relPath}'`);
      }
    }
  }

  async capacity(): Promise<Capacity | null> {
    // A storage account has no free-space figure to report; prove it answers instead.
    try {
      await this.#container.listBlobsFlat({ prefix: this.#dirPrefix('') }).byPage({ maxPageSize: 1 }).next();
    } catch (err) {
      if (classifyBlobError(err) !== 'SharePathFault') throw blobError(err, this.description, 'reading the container');
    }
    return null;
  }

  async close(): Promise<void> {}
}

