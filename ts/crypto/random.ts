import { randomBytes } from 'node:crypto';

/**
 * Where key material comes from. Production uses the CSPRNG; tests inject a fixed sequence so the
 * committed test vectors are reproducible byte for byte.
 */
export type RandomSource = (length: number) => Buffer;

export const secureRandom: RandomSource = (length) => randomBytes(length);
