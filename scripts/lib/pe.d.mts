export function signatureOf(buf: Buffer): { offset: number; size: number } | null;
export function removeSignature(file: string): boolean;
