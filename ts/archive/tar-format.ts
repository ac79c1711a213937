/**
 * The 512-byte header layout shared by the tar writer and reader: POSIX ustar (IEEE 1003.1-1988)
 * plus pax extended headers (IEEE 1003.1-2001), the subset GNU tar, bsdtar and 7-Zip all read.
 */

export const BLOCK = 512;

/** ustar field offsets and lengths. */
export const F = {
  name: [0, 100],
  mode: [100, 8],
  uid: [108, 8],
  gid: [116, 8],
  size: [124, 12],
  mtime: [136, 12],
  chksum: [148, 8],
  typeflag: [156, 1],
  linkname: [157, 100],
  magic: [257, 6],
  version: [263, 2],
  uname: [265, 32],
  gname: [297, 32],
  devmajor: [329, 8],
  devminor: [337, 8],
  prefix: [345, 155],
} as const satisfies Record<string, readonly [number, number]>;

export const TYPE = {
  file: '0',
  oldFile: '\0',
  hardlink: '1',
  symlink: '2',
  directory: '5',
  paxExtended: 'x',
  paxGlobal: 'g',
  gnuLongName: 'L',
  gnuLongLink: 'K',
} as const;

/** Largest value an octal field of `len` bytes can hold, leaving room for the terminating NUL. */
export function octalLimit(len: number): bigint {
  return 8n ** BigInt(len - 1) - 1n;
}

/** Sum of the header bytes with the checksum field counted as eight spaces. */
export function headerChecksum(header: Buffer): number {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += header[i]!;
  const [start, len] = F.chksum;
  for (let i = start; i < start + len; i++) sum += 0x20 - header[i]!;
  return sum;
}
