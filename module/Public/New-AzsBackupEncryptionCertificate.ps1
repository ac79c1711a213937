function New-AzsBackupEncryptionCertificate {
    <#
    .SYNOPSIS
        Makes a self-signed backup encryption certificate: the public .cer and a password-protected .pfx.

    .DESCRIPTION
        Works on every platform PowerShell 7 runs on (New-SelfSignedCertificate and
        Export-Certificate exist only on Windows). The certificate is what the backup
        infrastructure expects: X.509 version 3, an RSA key of 2048 bits or more, the Client
        Authentication enhanced key usage (1.3.6.1.5.5.7.3.2), key encipherment, and a lifetime
        of at most three years.

        Give the .cer to Set-AzsBackupConfiguration -EncryptionCertPath. Keep the .pfx and its
        password offline, away from the backup share: they are needed to restore, and anyone with
        both can read the backups. The private key exists only in memory while the .pfx is
        written; nothing is added to a certificate store.

    .PARAMETER CerPath
        Where to write the public certificate (.cer, DER). Relative paths are resolved against the
        current location.

    .PARAMETER PfxPath
        Where to write the certificate with its private key (.pfx), protected by -Password.

    .PARAMETER Password
        The password of the .pfx, as a SecureString (Read-Host -AsSecureString).

    .PARAMETER Subject
        The certificate's subject; default 'CN=AzsBackup Encryption'.

    .PARAMETER ValidityInYears
        1 to 3 years; default 3.

    .PARAMETER KeyLength
        RSA key size in bits: 2048, 3072 or 4096; default 4096.

    .PARAMETER Force
        Replaces existing files at -CerPath and -PfxPath instead of refusing.

    .PARAMETER DefaultProfile
        Azure context of the Az modules (aliases AzureRMContext, AzureCredential). Accepted for
        compatibility and ignored.

    .EXAMPLE
        PS> $pfxPassword = Read-Host -Prompt 'Password for the .pfx' -AsSecureString
        PS> New-AzsBackupEncryptionCertificate -CerPath ./AzSIBCCert.cer -PfxPath ./AzSIBCCert.pfx -Password $pfxPassword

        Writes the pair; then Set-AzsBackupConfiguration -EncryptionCertPath ./AzSIBCCert.cer.

    .OUTPUTS
        AzsBackup.EncryptionCertificate

    .LINK
        Set-AzsBackupConfiguration

    .LINK
        about_AzsBackup
    #>
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'Medium', PositionalBinding = $false)]
    [OutputType('AzsBackup.EncryptionCertificate')]
    param(
        [Parameter(Mandatory)]
        [ValidateNotNullOrEmpty()]
        [string]
        $CerPath,

        [Parameter(Mandatory)]
        [ValidateNotNullOrEmpty()]
        [string]
        $PfxPath,

        [Parameter(Mandatory)]
        [ValidateNotNull()]
        [System.Security.SecureString]
        $Password,

        [Parameter()]
        [ValidateNotNullOrEmpty()]
        [string]
        $Subject = 'CN=AzsBackup Encryption',

        [Parameter()]
        [ValidateRange(1, 3)]
        [int]
        $ValidityInYears = 3,

        [Parameter()]
        [ValidateSet(2048, 3072, 4096)]
        [int]
        $KeyLength = 4096,

        [Parameter()]
        [switch]
        $Force,

        [Parameter()]
        [Alias('AzureRMContext', 'AzureCredential')]
        [ValidateNotNull()]
        [psobject]
        $DefaultProfile
    )

    Write-AzsBackupIgnoredParameter -BoundParameters $PSBoundParameters -Name 'DefaultProfile'
    $cerFile = Resolve-AzsBackupFileSystemPath -Caller $PSCmdlet -Path $CerPath
    $pfxFile = Resolve-AzsBackupFileSystemPath -Caller $PSCmdlet -Path $PfxPath
    if ($cerFile -eq $pfxFile) {
        $PSCmdlet.ThrowTerminatingError((New-AzsBackupErrorRecord -Message '-CerPath and -PfxPath name the same file.' -ErrorId 'AzsBackup.InvalidParameter' -Category InvalidArgument -TargetObject 'PfxPath' -RecommendedAction 'Give the .cer and the .pfx different file names.'))
    }
    foreach ($file in @($cerFile, $pfxFile)) {
        if ((Test-Path -LiteralPath $file) -and -not $Force) {
            $PSCmdlet.ThrowTerminatingError((New-AzsBackupErrorRecord -Message ('{0} already exists.' -f $file) -ErrorId 'AzsBackup.InvalidParameter' -Category ResourceExists -TargetObject $file -RecommendedAction 'Choose another file name, or pass -Force to replace it (a replaced .pfx can no longer restore backups made for its certificate).'))
        }
        $folder = Split-Path -Path $file -Parent
        if (-not (Test-Path -LiteralPath $folder -PathType Container)) {
            $PSCmdlet.ThrowTerminatingError((New-AzsBackupErrorRecord -Message ('The folder {0} does not exist.' -f $folder) -ErrorId 'AzsBackup.InvalidParameter' -Category ObjectNotFound -TargetObject $folder -RecommendedAction 'Create the folder first, or give a path in an existing folder.'))
        }
    }
    $distinguishedName = $null
    try {
        $distinguishedName = [System.Security.Cryptography.X509Certificates.X500DistinguishedName]::new($Subject)
    }
    catch {
        $PSCmdlet.ThrowTerminatingError((New-AzsBackupErrorRecord -Message ("-Subject '{0}' is not a valid distinguished name: {1}" -f $Subject, $_.Exception.Message) -ErrorId 'AzsBackup.InvalidParameter' -Category InvalidArgument -TargetObject 'Subject' -RecommendedAction "Pass a distinguished name such as 'CN=AzsBackup Encryption, O=Contoso'." -Exception $_.Exception))
    }
    if (-not (Confirm-AzsBackupOperation -Caller $PSCmdlet -Target ('{0} and {1}' -f $cerFile, $pfxFile) -Action ('Create self-signed encryption certificate {0}' -f $Subject))) {
        return
    }

    $rsa = [System.Security.Cryptography.RSA]::Create($KeyLength)
    $certificate = $null
    try {
        $request = [System.Security.Cryptography.X509Certificates.CertificateRequest]::new($distinguishedName, $rsa, [System.Security.Cryptography.HashAlgorithmName]::SHA256, [System.Security.Cryptography.RSASignaturePadding]::Pkcs1)
        $request.CertificateExtensions.Add([System.Security.Cryptography.X509Certificates.X509BasicConstraintsExtension]::new($false, $false, 0, $true))
        $usage = [System.Security.Cryptography.X509Certificates.X509KeyUsageFlags]::KeyEncipherment -bor [System.Security.Cryptography.X509Certificates.X509KeyUsageFlags]::DataEncipherment -bor [System.Security.Cryptography.X509Certificates.X509KeyUsageFlags]::DigitalSignature
        $request.CertificateExtensions.Add([System.Security.Cryptography.X509Certificates.X509KeyUsageExtension]::new($usage, $true))
        $enhancedUsages = [System.Security.Cryptography.OidCollection]::new()
        $null = $enhancedUsages.Add([System.Security.Cryptography.Oid]::new('1.3.6.1.5.5.7.3.2', 'Client Authentication'))
        $request.CertificateExtensions.Add([System.Security.Cryptography.X509Certificates.X509EnhancedKeyUsageExtension]::new($enhancedUsages, $false))
        $request.CertificateExtensions.Add([System.Security.Cryptography.X509Certificates.X509SubjectKeyIdentifierExtension]::new($request.PublicKey, $false))

        # Valid from a few minutes ago so a clock slightly behind ours still accepts it; the
        # lifetime stays within the limit the engine checks (three years from NotBefore).
        $notBefore = [System.DateTimeOffset]::UtcNow.AddMinutes(-5)
        $notAfter = $notBefore.AddYears($ValidityInYears)
        $certificate = $request.CreateSelfSigned($notBefore, $notAfter)

        # The .pfx is exported straight from the SecureString: the password never becomes a string.
        $pfxBytes = $certificate.Export([System.Security.Cryptography.X509Certificates.X509ContentType]::Pfx, $Password)
        $cerBytes = $certificate.Export([System.Security.Cryptography.X509Certificates.X509ContentType]::Cert)
        [System.IO.File]::WriteAllBytes($pfxFile, $pfxBytes)
        [System.Array]::Clear($pfxBytes, 0, $pfxBytes.Length)
        if (-not $IsWindows) {
            # Only the owner may read the private key.
            [System.IO.File]::SetUnixFileMode($pfxFile, [System.IO.UnixFileMode]'UserRead, UserWrite')
        }
        [System.IO.File]::WriteAllBytes($cerFile, $cerBytes)

        ConvertTo-AzsBackupEncryptionCertificate -Certificate $certificate -CerPath $cerFile -PfxPath $pfxFile
    }
    finally {
        if ($null -ne $certificate) {
            $certificate.Dispose()
        }
        $rsa.Dispose()
    }
}
