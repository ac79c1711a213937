function Enable-AzsBackupSchedule {
    <#
    .SYNOPSIS
        Turns automatic (scheduled) backups on.

    .DESCRIPTION
        Sets the scheduler flag of the backup location and keeps every other setting, including
        the schedule: automatic backups resume at the next scheduled time (NextBackupTime). The
        same as Set-AzsBackupConfiguration -IsBackupSchedulerEnabled, and the portal's "Enable
        Automatic Backups". Returns the backup location.

        Backups only run while the scheduler service of the engine is running (azsbackup
        service run, e.g. as a systemd unit); see about_AzsBackup.

    .PARAMETER DefaultProfile
        Azure context of the Az modules (aliases AzureRMContext, AzureCredential). Accepted for
        compatibility and ignored.

    .EXAMPLE
        PS> Enable-AzsBackupSchedule | Select-Object -Property IsBackupSchedulerEnabled, NextBackupTime

        Turns automatic backups on and shows when the next one runs.

    .INPUTS
        None

    .OUTPUTS
        AzsBackup.BackupLocation

    .LINK
        Disable-AzsBackupSchedule

    .LINK
        Get-AzsBackupStatus
    #>
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'Medium', PositionalBinding = $false)]
    [OutputType('AzsBackup.BackupLocation')]
    param(
        [Parameter()]
        [Alias('AzureRMContext', 'AzureCredential')]
        [ValidateNotNull()]
        [psobject]
        $DefaultProfile
    )

    process {
        Write-AzsBackupIgnoredParameter -BoundParameters $PSBoundParameters -Name 'DefaultProfile'
        if (-not (Confirm-AzsBackupOperation -Caller $PSCmdlet -Target 'backup location' -Action 'Enable automatic backups')) {
            return
        }
        $data = Invoke-AzsBackupEngine -Caller $PSCmdlet -ArgumentList 'schedule', 'enable' -Activity 'Enable automatic backups'
        ConvertTo-AzsBackupLocation -InputObject $data
    }
}
