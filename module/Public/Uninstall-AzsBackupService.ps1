function Uninstall-AzsBackupService {
    <#
    .SYNOPSIS
        Stops and removes the scheduler service; automatic backups stop until it is installed again.

    .DESCRIPTION
        On Linux, stops and disables azsbackup.service and deletes its unit file from
        <RootPath>/etc/systemd/system; on Windows, unregisters the 'AzsBackup Scheduler' task.
        The configuration, the schedule and every backup are kept. A backup running at that
        moment is stopped; the next backup marks it Failed.

    .PARAMETER RootPath
        Linux: the file system root the unit is under; default '/'.

    .PARAMETER DefaultProfile
        Azure context of the Az modules (aliases AzureRMContext, AzureCredential). Accepted for
        compatibility and ignored.

    .EXAMPLE
        PS> Uninstall-AzsBackupService -WhatIf

        Shows what would be removed, and removes nothing.

    .OUTPUTS
        AzsBackup.ServiceStatus

    .LINK
        Install-AzsBackupService
    #>
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'High', PositionalBinding = $false)]
    [OutputType('AzsBackup.ServiceStatus')]
    param(
        [Parameter()]
        [ValidateNotNullOrEmpty()]
        [string]
        $RootPath = '/',

        [Parameter()]
        [Alias('AzureRMContext', 'AzureCredential')]
        [ValidateNotNull()]
        [psobject]
        $DefaultProfile
    )

    Write-AzsBackupIgnoredParameter -BoundParameters $PSBoundParameters -Name 'DefaultProfile'
    $root = Resolve-AzsBackupFileSystemPath -Caller $PSCmdlet -Path $RootPath
    if ($IsWindows) {
        $engineStatus = Invoke-AzsBackupEngine -Caller $PSCmdlet -ArgumentList 'service', 'show', '--root', $root -Activity 'Uninstall scheduler service'
        if (-not (Confirm-AzsBackupOperation -Caller $PSCmdlet -Target 'AzsBackup Scheduler' -Action 'Stop and unregister the scheduled task')) {
            return
        }
        if ($null -ne (Get-ScheduledTask -TaskName 'AzsBackup Scheduler' -ErrorAction SilentlyContinue)) {
            Stop-ScheduledTask -TaskName 'AzsBackup Scheduler'
            Unregister-ScheduledTask -TaskName 'AzsBackup Scheduler' -Confirm:$false
        }
        ConvertTo-AzsBackupServiceStatus -InputObject (Get-AzsBackupScheduledTask -EngineStatus $engineStatus)
        return
    }
    $unitPath = Join-Path -Path $root -ChildPath 'etc/systemd/system/azsbackup.service'
    if (-not (Confirm-AzsBackupOperation -Caller $PSCmdlet -Target $unitPath -Action 'Stop, disable and remove the systemd unit')) {
        return
    }
    $data = Invoke-AzsBackupEngine -Caller $PSCmdlet -ArgumentList 'service', 'uninstall', '--root', $root -Activity 'Uninstall scheduler service'
    ConvertTo-AzsBackupServiceStatus -InputObject $data
}
