function New-AzsEncryptionKeyBase64 {
    <#
    .SYNOPSIS
        Generates a new encryption key for the legacy (1811 and earlier) key mode.

    .DESCRIPTION
        Returns a new random key as a Base64 string (88 characters, the Azs.Backup.Admin 0.1-0.3
        format). It only generates the key: nothing is configured and nothing is stored. Pass
        it to Set-AzsBackupConfiguration -EncryptionKey as a SecureString.

        The key mode is deprecated. Prefer a certificate (Set-AzsBackupConfiguration
        -EncryptionCertPath); once a certificate has been configured the key mode cannot be
        used again. Keep the key somewhere safe: backups made with it can only be restored
        with it.

    .PARAMETER DefaultProfile
        Azure context of the Az modules (aliases AzureRMContext, AzureCredential). Accepted for
        compatibility and ignored.

    .EXAMPLE
        PS> $key = New-AzsEncryptionKeyBase64
        PS> $secureKey = ConvertTo-SecureString -String $key -AsPlainText -Force
        PS> Set-AzsBackupConfiguration -EncryptionKey $secureKey

        The documented 1811-era procedure: generate a key and configure it.

    .INPUTS
        None

    .OUTPUTS
        System.String

    .LINK
        Set-AzsBackupConfiguration

    .LINK
        about_AzsBackup
    #>
    [Diagnostics.CodeAnalysis.SuppressMessageAttribute('PSUseShouldProcessForStateChangingFunctions', '', Justification = 'Generates a value; changes no state.')]
    [CmdletBinding(PositionalBinding = $false)]
    [OutputType([string])]
    param(
        [Parameter()]
        [Alias('AzureRMContext', 'AzureCredential')]
        [ValidateNotNull()]
        [psobject]
        $DefaultProfile
    )

    process {
        Write-AzsBackupIgnoredParameter -BoundParameters $PSBoundParameters -Name 'DefaultProfile'
        $data = Invoke-AzsBackupEngine -Caller $PSCmdlet -ArgumentList 'key', 'new' -Activity 'New encryption key'
        $key = Get-AzsBackupMemberValue -InputObject $data -Name 'Key'
        if ($null -eq $key) {
            $key = $data
        }
        [string]$key
    }
}
