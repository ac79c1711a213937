#Requires -Version 7.4
<#
.SYNOPSIS
    Decrypts one AzsBackup encrypted file (.azsb) without AzsBackup, using only .NET.

.DESCRIPTION
    Compiles AzsFileDecryptor.cs (next to this script) with Add-Type and runs it. The output is
    written to "<Destination>.partial" and renamed only after every chunk has been authenticated,
    so a damaged or truncated file never leaves plaintext behind under the final name.
    Format: docs/FORMAT.md. Requires PowerShell 7.4 or later (.NET 8: AesGcm, HKDF).

.EXAMPLE
    $pw = Read-Host -AsSecureString 'PFX password'
    .\Unprotect-AzsBackupFile.ps1 -Path .\KeyVault.000.azsb -Destination .\KeyVault.000.bin -PfxPath .\backup.pfx -PfxPassword $pw

.EXAMPLE
    $key = Read-Host -AsSecureString 'Encryption key'
    .\Unprotect-AzsBackupFile.ps1 -Path .\manifest.azsb -Destination .\manifest.json -EncryptionKey $key
#>
[CmdletBinding(DefaultParameterSetName = 'Certificate')]
param(
    [Parameter(Mandatory)] [string] $Path,
    [Parameter(Mandatory)] [string] $Destination,
    [Parameter(Mandatory, ParameterSetName = 'Certificate')] [string] $PfxPath,
    [Parameter(Mandatory, ParameterSetName = 'Certificate')] [securestring] $PfxPassword,
    [Parameter(Mandatory, ParameterSetName = 'Key')] [securestring] $EncryptionKey
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

if (-not ('AzsBackup.Recovery.AzsFileDecryptor' -as [type])) {
    # Warnings must not stand between an operator and a restore; the csproj build keeps the source warning-free.
    Add-Type -Path (Join-Path $PSScriptRoot 'AzsFileDecryptor.cs') -IgnoreWarnings
}

# .NET resolves relative paths against the process directory, not the PowerShell location.
$source = (Resolve-Path -LiteralPath $Path).ProviderPath
$target = $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($Destination)
if (Test-Path -LiteralPath $target) {
    throw "Destination '$target' already exists; refusing to overwrite it."
}

$keys = [System.Collections.Generic.List[AzsBackup.Recovery.AzsDecryptionKey]]::new()
if ($PSCmdlet.ParameterSetName -eq 'Key') {
    $plainKey = [System.Net.NetworkCredential]::new('', $EncryptionKey).Password
    $keys.Add([AzsBackup.Recovery.AzsDecryptionKey]::FromLegacyKey($plainKey))
}
else {
    $pfx = (Resolve-Path -LiteralPath $PfxPath).ProviderPath
    $plainPassword = [System.Net.NetworkCredential]::new('', $PfxPassword).Password
    $flags = [System.Security.Cryptography.X509Certificates.X509KeyStorageFlags]::EphemeralKeySet
    $loader = 'System.Security.Cryptography.X509Certificates.X509CertificateLoader' -as [type]
    if ($loader) {
        $certificates = $loader::LoadPkcs12CollectionFromFile($pfx, $plainPassword, $flags)
    }
    else {
        # .NET 8 (PowerShell 7.4) has no X509CertificateLoader yet.
        $certificates = [System.Security.Cryptography.X509Certificates.X509Certificate2Collection]::new()
        $certificates.Import($pfx, $plainPassword, $flags)
    }
    foreach ($certificate in $certificates) {
        if ($certificate.HasPrivateKey) {
            try { $keys.Add([AzsBackup.Recovery.AzsDecryptionKey]::FromCertificate($certificate)) }
            catch [System.ArgumentException] { Write-Verbose "Skipping $($certificate.Thumbprint): no RSA private key." }
        }
    }
    if ($keys.Count -eq 0) { throw "'$pfx' holds no certificate with an RSA private key." }
}

$partial = "$target.partial"
$inStream = $null
$outStream = $null
$succeeded = $false
try {
    $inStream = [System.IO.File]::OpenRead($source)
    $outStream = [System.IO.FileStream]::new($partial, [System.IO.FileMode]::CreateNew, [System.IO.FileAccess]::Write)
    $context = [AzsBackup.Recovery.AzsFileDecryptor]::Decrypt($inStream, $outStream, $keys)
    $outStream.Dispose()
    $outStream = $null
    [System.IO.File]::Move($partial, $target)
    $succeeded = $true
    [pscustomobject]@{
        Path        = $source
        Destination = $target
        Context     = $context | ConvertFrom-Json
    }
}
finally {
    if ($null -ne $outStream) { $outStream.Dispose() }
    if ($null -ne $inStream) { $inStream.Dispose() }
    if (-not $succeeded -and (Test-Path -LiteralPath $partial)) { Remove-Item -LiteralPath $partial -Force }
}
