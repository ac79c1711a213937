function ConvertTo-AzsBackupEncryptionCertificate {
    <#
    .SYNOPSIS
        Describes a certificate New-AzsBackupEncryptionCertificate wrote: an AzsBackup.EncryptionCertificate.

    .PARAMETER Certificate
        The new certificate.

    .PARAMETER CerPath
        Where its public part was written.

    .PARAMETER PfxPath
        Where it was written with its private key.

    .OUTPUTS
        AzsBackup.EncryptionCertificate
    #>
    [CmdletBinding()]
    [OutputType('AzsBackup.EncryptionCertificate')]
    param(
        [Parameter(Mandatory)]
        [System.Security.Cryptography.X509Certificates.X509Certificate2]
        $Certificate,

        [Parameter(Mandatory)]
        [string]
        $CerPath,

        [Parameter(Mandatory)]
        [string]
        $PfxPath
    )

    $shaped = [ordered]@{
        Subject    = $Certificate.Subject
        Thumbprint = $Certificate.Thumbprint
        NotBefore  = $Certificate.NotBefore.ToUniversalTime()
        NotAfter   = $Certificate.NotAfter.ToUniversalTime()
        KeyLength  = $Certificate.PublicKey.GetRSAPublicKey().KeySize
        CerPath    = $CerPath
        PfxPath    = $PfxPath
    }
    $result = [pscustomobject]$shaped
    Add-AzsBackupTypeName -InputObject $result -TypeName 'AzsBackup.EncryptionCertificate'
    $result
}
