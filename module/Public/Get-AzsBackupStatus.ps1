function Get-AzsBackupStatus {
    <#
    .SYNOPSIS
        Gets the backup status at a glance, as the portal's Essentials view shows it.

    .DESCRIPTION
        Returns whether automatic backups are on, the next and last backup times, the status,
        id and duration of the last backup, the share path and its free space, the encryption
        mode, the certificate thumbprint and expiry, and warnings. Each warning (certificate
        expiring, last backup failed, share unreachable, ...) is also written with
        Write-Warning, so a scheduled script sees it in its warning stream.

    .PARAMETER DefaultProfile
        Azure context of the Az modules (aliases AzureRMContext, AzureCredential). Accepted for
        compatibility and ignored.

    .EXAMPLE
        PS> Get-AzsBackupStatus

        Shows the Essentials view.

    .EXAMPLE
        PS> $status = Get-AzsBackupStatus -WarningAction SilentlyContinue
        PS> if ($status.LastBackupStatus -ne 'Succeeded') { Send-MailMessage ... }

        Checks the last backup from a monitoring script.

    .INPUTS
        None

    .OUTPUTS
        AzsBackup.BackupStatus

    .LINK
        Get-AzsBackupConfiguration

    .LINK
        about_AzsBackup
    #>
    [CmdletBinding(PositionalBinding = $false)]
    [OutputType('AzsBackup.BackupStatus')]
    param(
        [Parameter()]
        [Alias('AzureRMContext', 'AzureCredential')]
        [ValidateNotNull()]
        [psobject]
        $DefaultProfile
    )

    process {
        Write-AzsBackupIgnoredParameter -BoundParameters $PSBoundParameters -Name 'DefaultProfile'
        $data = Invoke-AzsBackupEngine -Caller $PSCmdlet -ArgumentList 'status' -Activity 'Get backup status'
        $status = ConvertTo-AzsBackupStatus -InputObject $data
        if ($null -ne $status) {
            foreach ($warningText in $status.Warnings) {
                Write-Warning -Message $warningText
            }
        }
        $status
    }
}
