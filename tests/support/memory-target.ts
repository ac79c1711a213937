/**
 * An in-memory StorageTarget for unit tests. Modification times come from an injectable share
 * clock (to simulate a file server whose clock is off) and can be set per path (to age backups).
 * It is strict where real shares are: writing into a missing directory fails, so code that
 * forgets ensureDirectory fails here too.
 */
import { promises as fs } from 'node:fs';
import { Readable } from 'node:stream';
import { AzsError } from '../../ts/errors.js';
import type { Capacity, RemoteEntry, StorageTarget } from '../../ts/storage/target.js';

interface Node {
  kind: 'file' | 'dir';
  data: Buffer;
  modified: Date;
}

export interface MemoryTargetOptions {
  /** The file server's clock: stamps every write. Default: the real clock. */
  shareClock?: () => Date;
  description?: string;
  capacity?: Capacity;
}

export class MemoryTarget implements StorageTarget {
  readonly description: string;
  shareClock: () => Date;
  capacityValue: Capacity;
  /** Every call, in order, e.g. "writeFile MASBackup/x": lets tests assert side effects. */
  readonly calls: string[] = [];
  closed = false;
  private readonly nodes = new Map<string, Node>();

  constructor(options: MemoryTargetOptions = {}) {
    this.description = options.description ?? 'memory://share';
    this.shareClock = options.shareClock ?? (() => new Date());
    this.capacityValue = options.capacity ?? { freeBytes: 1e12, totalBytes: 2e12 };
    this.nodes.set('', { kind: 'dir', data: Buffer.alloc(0), modified: this.shareClock() });
  }

  static norm(relPath: string): string {
    return relPath
      .split(/[\\/]+/)
      .filter((p) => p !== '' && p !== '.')
      .join('/');
  }

  private parent(p: string): string {
    const i = p.lastIndexOf('/');
    return i < 0 ? '' : p.slice(0, i);
  }

  private missing(p: string): AzsError {
    return new AzsError('SharePathFault', `${p} does not exist on ${this.description}.`, { target: p });
  }

  private requireDir(p: string): void {
    if (this.nodes.get(p)?.kind !== 'dir') throw this.missing(p === '' ? '/' : p);
  }

  private getFile(p: string): Node {
    const n = this.nodes.get(p);
    if (n?.kind !== 'file') throw this.missing(p);
    return n;
  }

  // --- test helpers -----------------------------------------------------------------------

  /** Creates a file (and its parent directories) directly, optionally with a modification time. */
  seedFile(relPath: string, data: Buffer | string, modified?: Date): void {
    const p = MemoryTarget.norm(relPath);
    this.mkdirs(this.parent(p));
    this.nodes.set(p, { kind: 'file', data: Buffer.from(data), modified: modified ?? this.shareClock() });
  }

  setModified(relPath: string, modified: Date): void {
    const n = this.nodes.get(MemoryTarget.norm(relPath));
    if (n === undefined) throw this.missing(relPath);
    n.modified = modified;
  }

  exists(relPath: string): boolean {
    return this.nodes.has(MemoryTarget.norm(relPath));
  }

  /** All paths, sorted; directories end with '/'. */
  paths(): string[] {
    return [...this.nodes.entries()]
      .filter(([p]) => p !== '')
      .map(([p, n]) => (n.kind === 'dir' ? `${p}/` : p))
      .sort();
  }

  private mkdirs(p: string): void {
    if (p === '') return;
    const existing = this.nodes.get(p);
    if (existing?.kind === 'file') throw new AzsError('ShareGeneralFault', `${p} is a file.`, { target: p });
    if (existing !== undefined) return;
    this.mkdirs(this.parent(p));
    this.nodes.set(p, { kind: 'dir', data: Buffer.alloc(0), modified: this.shareClock() });
  }

  private put(p: string, data: Buffer): void {
    this.requireDir(this.parent(p));
    if (this.nodes.get(p)?.kind === 'dir') throw new AzsError('ShareGeneralFault', `${p} is a directory.`, { target: p });
    this.nodes.set(p, { kind: 'file', data: Buffer.from(data), modified: this.shareClock() });
  }

  private subtree(p: string): string[] {
    return [...this.nodes.keys()].filter((k) => k === p || k.startsWith(`${p}/`));
  }

  // --- StorageTarget ------------------------------------------------------------------------

  async ensureDirectory(relPath: string): Promise<void> {
    this.calls.push(`ensureDirectory ${relPath}`);
    this.mkdirs(MemoryTarget.norm(relPath));
  }

  async upload(localFile: string, relPath: string): Promise<void> {
    this.calls.push(`upload ${relPath}`);
    this.put(MemoryTarget.norm(relPath), await fs.readFile(localFile));
  }

  async rename(fromRelPath: string, toRelPath: string): Promise<void> {
    this.calls.push(`rename ${fromRelPath} ${toRelPath}`);
    const from = MemoryTarget.norm(fromRelPath);
    const to = MemoryTarget.norm(toRelPath);
    if (!this.nodes.has(from) || from === '') throw this.missing(fromRelPath);
    this.requireDir(this.parent(to));
    const moved = this.subtree(from).map((k) => [k, this.nodes.get(k) as Node] as const);
    for (const k of this.subtree(to)) this.nodes.delete(k);
    for (const [k] of moved) this.nodes.delete(k);
    for (const [k, n] of moved) this.nodes.set(to + k.slice(from.length), n);
  }

  async list(relPath: string): Promise<RemoteEntry[]> {
    this.calls.push(`list ${relPath}`);
    const p = MemoryTarget.norm(relPath);
    if (this.nodes.get(p)?.kind !== 'dir') return [];
    const prefix = p === '' ? '' : `${p}/`;
    const out: RemoteEntry[] = [];
    for (const [k, n] of this.nodes) {
      if (k === '' || !k.startsWith(prefix) || k.slice(prefix.length).includes('/')) continue;
      out.push({ name: k.slice(prefix.length), isDirectory: n.kind === 'dir', size: n.data.length, modified: new Date(n.modified) });
    }
    return out.sort((a, b) => a.name.localeCompare(b.name));
  }

  async openRead(relPath: string): Promise<Readable> {
    this.calls.push(`openRead ${relPath}`);
    return Readable.from([Buffer.from(this.getFile(MemoryTarget.norm(relPath)).data)]);
  }

  async readFile(relPath: string): Promise<Buffer> {
    this.calls.push(`readFile ${relPath}`);
    return Buffer.from(this.getFile(MemoryTarget.norm(relPath)).data);
  }

  async writeFile(relPath: string, data: Buffer): Promise<void> {
    this.calls.push(`writeFile ${relPath}`);
    this.put(MemoryTarget.norm(relPath), data);
  }

  async removeFile(relPath: string): Promise<void> {
    this.calls.push(`removeFile ${relPath}`);
    const p = MemoryTarget.norm(relPath);
    const n = this.nodes.get(p);
    if (n === undefined) return;
    if (n.kind === 'dir') throw new AzsError('ShareGeneralFault', `${p} is a directory.`, { target: p });
    this.nodes.delete(p);
  }

  async removeDirectory(relPath: string): Promise<void> {
    this.calls.push(`removeDirectory ${relPath}`);
    const p = MemoryTarget.norm(relPath);
    if (p === '') throw new AzsError('ShareGeneralFault', 'Refusing to remove the root of the location.', { target: '/' });
    for (const k of this.subtree(p)) this.nodes.delete(k);
  }

  async capacity(): Promise<Capacity> {
    return { ...this.capacityValue };
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
