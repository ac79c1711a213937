function Clear-AzsBackupConfiguration {
    <#
    .SYNOPSIS
        Clears the backup location: share or blob container, credentials and schedule are reset.

    .DESCRIPTION
        The Azs.Backup.Admin 2.0.0 (API 2021-09-01) command. Path, UserName, Password,
        BlobStorageUrl and BlobStorageKey become empty, automatic backups are turned off, and
        BackupFrequencyInHours and BackupRetentionPeriodInDays return to 12 and 7. No backup is
        deleted: the backups stay on the share or in the container, and configuring the same
        location again lists them again. The encryption certificate and the registered roles
        are kept.

        Backups stop until a location is configured again, so the command asks for confirmation
        unless -Force is given. In a session that cannot prompt (pwsh -NonInteractive, a
        service, a scheduled task) it changes nothing without -Force and throws a terminating
        error that says so. -WhatIf shows what would happen.

    .PARAMETER Force
        Clears without asking for confirmation.

    .PARAMETER Location
        Name of the backup location (the region). Accepted for compatibility and ignored.

    .PARAMETER ResourceGroupName
        Resource group of the backup location. Accepted for compatibility and ignored.

    .PARAMETER SubscriptionId
        Subscription of the backup location. Accepted for compatibility and ignored.

    .PARAMETER DefaultProfile
        Azure context of the Az modules (aliases AzureRMContext, AzureCredential). Accepted for
        compatibility and ignored.

    .EXAMPLE
        PS> Clear-AzsBackupConfiguration -Force

        Forgets the backup location and its credentials without a prompt.

    .EXAMPLE
        PS> Clear-AzsBackupConfiguration -WhatIf

        Shows what would be cleared and changes nothing.

    .INPUTS
        None

    .OUTPUTS
        AzsBackup.BackupLocation

    .LINK
        Update-AzsBackupConfiguration

    .LINK
        about_AzsBackup
    #>
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'Medium', PositionalBinding = $false)]
    [OutputType('AzsBackup.BackupLocation')]
    param(
        [Parameter()]
        [switch]
        $Force,

        [Parameter()]
        [string]
        $Location,

        [Parameter()]
        [string]
        $ResourceGroupName,

        [Parameter()]
        [string]
        $SubscriptionId,

        [Parameter()]
        [Alias('AzureRMContext', 'AzureCredential')]
        [ValidateNotNull()]
        [psobject]
        $DefaultProfile
    )

    process {
        Write-AzsBackupIgnoredParameter -BoundParameters $PSBoundParameters -Name 'Location', 'ResourceGroupName', 'SubscriptionId', 'DefaultProfile'

        $action = 'Clear the backup location and its credentials, turn automatic backups off, and reset frequency and retention to 12 hours and 7 days'
        if (-not (Confirm-AzsBackupOperation -Caller $PSCmdlet -Target 'backup location' -Action $action)) {
            return
        }
        # A session that cannot prompt gets AzsBackup.ConfirmationRequired, and nothing changes.
        if (-not $Force -and -not (Confirm-AzsBackupOperation -Caller $PSCmdlet -Caption 'Clear backup configuration' -Query 'Backups stop until a backup location is configured again. Existing backups are kept. Clear the backup configuration?' -RecommendedAction 'Run Clear-AzsBackupConfiguration -Force to clear the backup configuration without a prompt.')) {
            return
        }

        $data = Invoke-AzsBackupEngine -Caller $PSCmdlet -ArgumentList 'config', 'clear' -Activity 'Clear backup configuration'
        ConvertTo-AzsBackupLocation -InputObject $data
    }
}
