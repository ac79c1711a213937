function Disable-AzsBackupSchedule {
    <#
    .SYNOPSIS
        Turns automatic (scheduled) backups off, keeping the settings and the schedule.

    .DESCRIPTION
        Clears the scheduler flag of the backup location. Every other setting and the schedule
        itself are kept; scheduled runs are skipped while automatic backups are off, and
        on-demand backups (Start-AzsBackup) still work. The same as
        Set-AzsBackupConfiguration -IsBackupSchedulerEnabled:$false, and the portal's "Disable
        Automatic Backups". Returns the backup location.

    .PARAMETER DefaultProfile
        Azure context of the Az modules (aliases AzureRMContext, AzureCredential). Accepted for
        compatibility and ignored.

    .EXAMPLE
        PS> Disable-AzsBackupSchedule

        Turns automatic backups off, for example during maintenance.

    .EXAMPLE
        PS> Disable-AzsBackupSchedule -WhatIf

        Shows what would change without changing it.

    .INPUTS
        None

    .OUTPUTS
        AzsBackup.BackupLocation

    .LINK
        Enable-AzsBackupSchedule

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
        if (-not (Confirm-AzsBackupOperation -Caller $PSCmdlet -Target 'backup location' -Action 'Disable automatic backups')) {
            return
        }
        $data = Invoke-AzsBackupEngine -Caller $PSCmdlet -ArgumentList 'schedule', 'disable' -Activity 'Disable automatic backups'
        ConvertTo-AzsBackupLocation -InputObject $data
    }
}
