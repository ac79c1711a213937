// Console front end: AzsDecrypt (--pfx FILE | --key) INPUT OUTPUT
// Secrets never come from the command line (it is visible to other users of the machine): the
// .pfx password is read from AZSDECRYPT_PFX_PASSWORD or the first line of standard input, the
// legacy key from AZSDECRYPT_KEY or standard input.
#nullable enable
using System;
using System.Collections.Generic;
using System.IO;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using AzsBackup.Recovery;

internal static class Program
{
    private const int ExitOk = 0;
    private const int ExitIntegrity = 1;
    private const int ExitUsage = 2;
    private const int ExitKey = 3;

    private static int Main(string[] args)
    {
        string? pfx = null;
        bool legacyKey = false;
        var positional = new List<string>();
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i] == "--pfx" && i + 1 < args.Length) pfx = args[++i];
            else if (args[i] == "--key") legacyKey = true;
            else positional.Add(args[i]);
        }
        if (positional.Count != 2 || (pfx == null) == (legacyKey == false))
        {
            Console.Error.WriteLine("usage: AzsDecrypt (--pfx FILE.pfx | --key) INPUT.azsb OUTPUT");
            Console.Error.WriteLine("  password: env AZSDECRYPT_PFX_PASSWORD or stdin; legacy key: env AZSDECRYPT_KEY or stdin");
            return ExitUsage;
        }
        string input = positional[0];
        string output = positional[1];
        if (File.Exists(output))
        {
            Console.Error.WriteLine("error: " + output + " already exists; refusing to overwrite it");
            return ExitUsage;
        }

        List<AzsDecryptionKey> keys;
        try
        {
            keys = pfx != null ? LoadPfx(pfx) : new List<AzsDecryptionKey> { AzsDecryptionKey.FromLegacyKey(Secret("AZSDECRYPT_KEY")) };
        }
        catch (Exception e) when (e is CryptographicException || e is FormatException || e is IOException || e is ArgumentException)
        {
            Console.Error.WriteLine("error: cannot load the key: " + e.Message);
            return ExitKey;
        }

        // Plaintext lands in a side file and takes the final name only once every chunk checked.
        string partial = output + ".partial";
        try
        {
            string context;
            using (FileStream source = File.OpenRead(input))
            using (FileStream target = new FileStream(partial, FileMode.CreateNew, FileAccess.Write))
            {
                context = AzsFileDecryptor.Decrypt(source, target, keys);
            }
            File.Move(partial, output);
            Console.Error.WriteLine("ok: " + context);
            return ExitOk;
        }
        catch (AzsIntegrityException e)
        {
            File.Delete(partial);
            Console.Error.WriteLine("error: integrity check failed: " + e.Message);
            return ExitIntegrity;
        }
        catch (AzsNoMatchingKeyException e)
        {
            File.Delete(partial);
            Console.Error.WriteLine("error: " + e.Message);
            return ExitKey;
        }
    }

    private static List<AzsDecryptionKey> LoadPfx(string path)
    {
        X509Certificate2Collection certificates = X509CertificateLoader.LoadPkcs12CollectionFromFile(
            path, Secret("AZSDECRYPT_PFX_PASSWORD"), X509KeyStorageFlags.EphemeralKeySet);
        var keys = new List<AzsDecryptionKey>();
        foreach (X509Certificate2 certificate in certificates)
        {
            if (certificate.HasPrivateKey && certificate.GetRSAPublicKey() != null) keys.Add(AzsDecryptionKey.FromCertificate(certificate));
        }
        if (keys.Count == 0) throw new ArgumentException(path + " holds no certificate with an RSA private key");
        return keys;
    }

    private static string Secret(string variable)
    {
        string? value = Environment.GetEnvironmentVariable(variable);
        if (value != null) return value;
        return Console.In.ReadLine() ?? "";
    }
}
