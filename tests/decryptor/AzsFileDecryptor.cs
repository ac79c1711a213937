// Independent decryptor for AzsBackup encrypted files, format version 1 (docs/FORMAT.md).
// Written from the format document only, with nothing but System.Security.Cryptography, so that
// an operator can recover a backup without AzsBackup. Shared by the console program and by
// Unprotect-AzsBackupFile.ps1 (Add-Type), so it keeps to C# and APIs that .NET 8 also has.
#nullable enable
using System;
using System.Collections.Generic;
using System.IO;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;

namespace AzsBackup.Recovery
{
    /// <summary>The file is damaged, truncated, extended, reordered or not an AzsBackup file.</summary>
    public sealed class AzsIntegrityException : Exception
    {
        public AzsIntegrityException(string message) : base(message) { }
    }

    /// <summary>None of the offered keys is among the file's recipients.</summary>
    public sealed class AzsNoMatchingKeyException : Exception
    {
        public AzsNoMatchingKeyException(string message) : base(message) { }
    }

    /// <summary>A certificate private key or a legacy symmetric key able to open files.</summary>
    public sealed class AzsDecryptionKey
    {
        public string Kind { get; }
        /// <summary>Certificate thumbprint (40 upper-case hex) or legacy key id (16 upper-case hex).</summary>
        public string Id { get; }
        internal RSA? Rsa { get; }
        internal byte[]? Secret { get; }

        private AzsDecryptionKey(string kind, string id, RSA? rsa, byte[]? secret)
        {
            Kind = kind;
            Id = id;
            Rsa = rsa;
            Secret = secret;
        }

        public static AzsDecryptionKey FromCertificate(X509Certificate2 certificate)
        {
            RSA rsa = certificate.GetRSAPrivateKey()
                ?? throw new ArgumentException("Certificate " + certificate.Thumbprint + " has no RSA private key.");
            return new AzsDecryptionKey("certificate", certificate.Thumbprint.ToUpperInvariant(), rsa, null);
        }

        /// <summary>The Base64 string made by New-AzsEncryptionKeyBase64.</summary>
        public static AzsDecryptionKey FromLegacyKey(string keyBase64)
        {
            byte[] secret = Convert.FromBase64String(keyBase64.Trim());
            byte[] id = HKDF.DeriveKey(HashAlgorithmName.SHA256, secret, 8, Array.Empty<byte>(),
                Encoding.UTF8.GetBytes(AzsFileDecryptor.InfoLegacyKeyId));
            return new AzsDecryptionKey("key", Convert.ToHexString(id), null, secret);
        }

        public override string ToString() => (Kind == "certificate" ? "certificate " : "legacy key ") + Id;
    }

    public static class AzsFileDecryptor
    {
        public static readonly byte[] Magic = { 0x41, 0x5A, 0x53, 0x42, 0x4B, 0x55, 0x50, 0x00 };
        public const int Version = 1;
        public const int ChunkSize = 65536;
        public const int TagSize = 16;
        public const int SealedChunkSize = ChunkSize + TagSize;
        public const int MaxHeaderBody = 1024 * 1024;
        public const string InfoHeader = "AzsBackup v1 header";
        public const string InfoPayload = "AzsBackup v1 payload";
        public const string InfoLegacyWrap = "AzsBackup v1 legacy key wrap";
        public const string InfoLegacyKeyId = "AzsBackup v1 legacy key id";

        /// <summary>
        /// Decrypts input to output. Throws AzsIntegrityException or AzsNoMatchingKeyException.
        /// Output written before an exception must be discarded: truncation shows only at the end.
        /// </summary>
        /// <returns>The header's context object as JSON text.</returns>
        public static string Decrypt(Stream input, Stream output, IReadOnlyList<AzsDecryptionKey> keys)
        {
            byte[] preamble = ReadExactlyOrFail(input, 12, "the file ends inside its header");
            for (int i = 0; i < Magic.Length; i++)
            {
                if (preamble[i] != Magic[i]) throw new AzsIntegrityException("not an AzsBackup encrypted file (magic bytes differ)");
            }
            uint bodyLength = (uint)(preamble[8] << 24 | preamble[9] << 16 | preamble[10] << 8 | preamble[11]);
            if (bodyLength == 0 || bodyLength > MaxHeaderBody) throw new AzsIntegrityException("header length out of range");
            byte[] body = ReadExactlyOrFail(input, (int)bodyLength, "the file ends inside its header");
            byte[] mac = ReadExactlyOrFail(input, 32, "the file ends inside its header");
            byte[] signed = new byte[12 + body.Length];
            Buffer.BlockCopy(preamble, 0, signed, 0, 12);
            Buffer.BlockCopy(body, 0, signed, 12, body.Length);

            Header header = ParseHeader(body);
            byte[] payloadKey = OpenHeader(header, signed, mac, keys);

            DecryptChunks(input, output, payloadKey);
            CryptographicOperations.ZeroMemory(payloadKey);
            return header.ContextJson;
        }

        private sealed class Recipient
        {
            public string Kind = "";
            public string Id = "";
            public byte[] Salt = Array.Empty<byte>();
            public byte[] WrappedKey = Array.Empty<byte>();
        }

        private sealed class Header
        {
            public byte[] PayloadSalt = Array.Empty<byte>();
            public string ContextJson = "";
            public List<Recipient> Recipients = new List<Recipient>();
        }

        private static Header ParseHeader(byte[] body)
        {
            try
            {
                string text = new UTF8Encoding(false, true).GetString(body);
                using JsonDocument doc = JsonDocument.Parse(text);
                JsonElement root = doc.RootElement;
                if (root.GetProperty("version").GetInt32() != Version)
                    throw new AzsIntegrityException("unsupported format version " + root.GetProperty("version").GetRawText());
                if (root.GetProperty("chunkSize").GetInt32() != ChunkSize)
                    throw new AzsIntegrityException("unsupported chunk size");
                var header = new Header
                {
                    PayloadSalt = Convert.FromBase64String(root.GetProperty("payloadSalt").GetString() ?? ""),
                    ContextJson = root.GetProperty("context").GetRawText(),
                };
                if (header.PayloadSalt.Length != 16) throw new AzsIntegrityException("payload salt is not 16 bytes");
                foreach (JsonElement r in root.GetProperty("recipients").EnumerateArray())
                {
                    string kind = r.GetProperty("kind").GetString() ?? "";
                    var recipient = new Recipient { Kind = kind, WrappedKey = Convert.FromBase64String(r.GetProperty("wrappedKey").GetString() ?? "") };
                    if (kind == "certificate")
                    {
                        recipient.Id = r.GetProperty("thumbprint").GetString() ?? "";
                    }
                    else if (kind == "key")
                    {
                        recipient.Id = r.GetProperty("keyId").GetString() ?? "";
                        recipient.Salt = Convert.FromBase64String(r.GetProperty("salt").GetString() ?? "");
                    }
                    else
                    {
                        continue; // Unknown kinds cannot be ours; the HMAC still covers them.
                    }
                    header.Recipients.Add(recipient);
                }
                return header;
            }
            catch (AzsIntegrityException)
            {
                throw;
            }
            catch (Exception e) when (e is JsonException || e is FormatException || e is KeyNotFoundException || e is InvalidOperationException || e is ArgumentException)
            {
                throw new AzsIntegrityException("the header is malformed: " + e.Message);
            }
        }

        private static byte[] OpenHeader(Header header, byte[] signed, byte[] mac, IReadOnlyList<AzsDecryptionKey> keys)
        {
            bool matched = false;
            foreach (AzsDecryptionKey key in keys)
            {
                foreach (Recipient r in header.Recipients)
                {
                    if (r.Kind != key.Kind || !string.Equals(r.Id, key.Id, StringComparison.OrdinalIgnoreCase)) continue;
                    matched = true;
                    byte[]? fileKey = Unwrap(r, key);
                    if (fileKey == null) continue;
                    byte[] headerKey = HKDF.DeriveKey(HashAlgorithmName.SHA256, fileKey, 32, Array.Empty<byte>(), Encoding.UTF8.GetBytes(InfoHeader));
                    byte[] expected = HMACSHA256.HashData(headerKey, signed);
                    if (!CryptographicOperations.FixedTimeEquals(expected, mac)) continue;
                    byte[] payloadKey = HKDF.DeriveKey(HashAlgorithmName.SHA256, fileKey, 32, header.PayloadSalt, Encoding.UTF8.GetBytes(InfoPayload));
                    CryptographicOperations.ZeroMemory(fileKey);
                    return payloadKey;
                }
            }
            if (matched) throw new AzsIntegrityException("the header failed authentication (header or wrapped key modified)");
            var wanted = new List<string>();
            foreach (Recipient r in header.Recipients) wanted.Add((r.Kind == "certificate" ? "certificate " : "legacy key ") + r.Id);
            var offered = new List<string>();
            foreach (AzsDecryptionKey k in keys) offered.Add(k.ToString());
            throw new AzsNoMatchingKeyException("the file was encrypted for " + string.Join(", ", wanted)
                + " but only " + (offered.Count == 0 ? "nothing" : string.Join(", ", offered)) + " was offered");
        }

        private static byte[]? Unwrap(Recipient r, AzsDecryptionKey key)
        {
            try
            {
                if (key.Rsa != null)
                {
                    byte[] fileKey = key.Rsa.Decrypt(r.WrappedKey, RSAEncryptionPadding.OaepSHA256);
                    return fileKey.Length == 32 ? fileKey : null;
                }
                if (key.Secret != null && r.WrappedKey.Length == 48 && r.Salt.Length == 16)
                {
                    byte[] kek = HKDF.DeriveKey(HashAlgorithmName.SHA256, key.Secret, 32, r.Salt, Encoding.UTF8.GetBytes(InfoLegacyWrap));
                    byte[] fileKey = new byte[32];
                    using (var gcm = new AesGcm(kek, TagSize))
                    {
                        gcm.Decrypt(new byte[12], r.WrappedKey.AsSpan(0, 32), r.WrappedKey.AsSpan(32, 16), fileKey);
                    }
                    return fileKey;
                }
            }
            catch (CryptographicException)
            {
                // Wrong key or modified wrapped key; the caller reports it.
            }
            return null;
        }

        private static void DecryptChunks(Stream input, Stream output, byte[] payloadKey)
        {
            // One byte more than a sealed chunk: a chunk is known not to be the last only when at
            // least one byte follows it.
            byte[] buffer = new byte[SealedChunkSize + 1];
            byte[] plain = new byte[ChunkSize];
            byte[] nonce = new byte[12];
            ulong counter = 0;
            int have = 0;
            using var gcm = new AesGcm(payloadKey, TagSize);
            while (true)
            {
                have += ReadUpTo(input, buffer, have, buffer.Length - have);
                if (have == buffer.Length)
                {
                    OpenChunk(gcm, nonce, counter, false, buffer.AsSpan(0, SealedChunkSize), plain);
                    output.Write(plain, 0, ChunkSize);
                    buffer[0] = buffer[SealedChunkSize];
                    have = 1;
                    counter++;
                    continue;
                }
                if (have < TagSize) throw new AzsIntegrityException(have == 0 ? "the final chunk is missing (file truncated)" : "the file ends inside a chunk tag");
                if (have == TagSize && counter > 0) throw new AzsIntegrityException("an empty final chunk follows data chunks");
                OpenChunk(gcm, nonce, counter, true, buffer.AsSpan(0, have), plain);
                output.Write(plain, 0, have - TagSize);
                return;
            }
        }

        private static void OpenChunk(AesGcm gcm, byte[] nonce, ulong counter, bool last, ReadOnlySpan<byte> sealedChunk, byte[] plain)
        {
            // 11-byte big-endian counter, then the last-chunk flag.
            Array.Clear(nonce, 0, nonce.Length);
            for (int i = 0; i < 8; i++) nonce[10 - i] = (byte)(counter >> (8 * i));
            nonce[11] = last ? (byte)1 : (byte)0;
            int length = sealedChunk.Length - TagSize;
            try
            {
                gcm.Decrypt(nonce, sealedChunk.Slice(0, length), sealedChunk.Slice(length, TagSize), plain.AsSpan(0, length));
            }
            catch (CryptographicException)
            {
                throw new AzsIntegrityException((last ? "final chunk " : "chunk ") + counter
                    + " failed authentication (modified, truncated, reordered or extended file)");
            }
        }

        private static int ReadUpTo(Stream input, byte[] buffer, int offset, int count)
        {
            int total = 0;
            while (total < count)
            {
                int n = input.Read(buffer, offset + total, count - total);
                if (n == 0) break;
                total += n;
            }
            return total;
        }

        private static byte[] ReadExactlyOrFail(Stream input, int count, string message)
        {
            byte[] buffer = new byte[count];
            if (ReadUpTo(input, buffer, 0, count) != count) throw new AzsIntegrityException(message);
            return buffer;
        }
    }
}
