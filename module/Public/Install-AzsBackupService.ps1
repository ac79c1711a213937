function Install-AzsBackupService {
    <#
    .SYNOPSIS
        Installs and starts the scheduler service that makes the automatic backups.

    .DESCRIPTION
        On Linux, writes the systemd unit azsbackup.service to <RootPath>/etc/systemd/system
        (the unit 'azsbackup service unit' prints: hardened, with the state directory, a staging
        folder and a folder backup location writable, and no private /tmp when a configured path
        lies there), then enables it; under '/' it also reloads systemd and starts it. Under
        another -RootPath the tree is prepared offline (an image, or a test), and nothing is
        started. Run it again after moving the state directory, the staging folder or a folder
        backup location, so the unit follows them.

        On Windows, registers the 'AzsBackup Scheduler' task: at startup, as SYSTEM, without a time
        limit, restarted after failures, never twice at once (docs/SCHEDULER.md explains why not
        a Windows service), and starts it.

    .PARAMETER RootPath
        Linux: the file system root to install under; default '/'.

    .PARAMETER DefaultProfile
        Azure context of the Az modules (aliases AzureRMContext, AzureCredential). Accepted for
        compatibility and ignored.

    .EXAMPLE
        PS> Install-AzsBackupService

        Installs, enables and starts the service on this machine.

    .EXAMPLE
        PS> Install-AzsBackupService -RootPath ./image -WhatIf

        Shows what would be installed into the tree ./image, and changes nothing.

    .OUTPUTS
        AzsBackup.ServiceStatus

    .LINK
        Get-AzsBackupService

    .LINK
        Uninstall-AzsBackupService
    #>
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'Medium', PositionalBinding = $false)]
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
        $engineStatus = Invoke-AzsBackupEngine -Caller $PSCmdlet -ArgumentList 'service', 'show', '--root', $root -Activity 'Install scheduler service'
        if (-not (Confirm-AzsBackupOperation -Caller $PSCmdlet -Target 'AzsBackup Scheduler' -Action 'Register and start the scheduled task')) {
            return
        }
        $enginePath = [string](Get-AzsBackupMemberValue -InputObject $engineStatus -Name 'EnginePath')
        $action = New-ScheduledTaskAction -Execute $enginePath -Argument 'service run'
        $trigger = New-ScheduledTaskTrigger -AtStartup
        # No time limit (the default of three days would end the service), restarts after
        # failures, and never a second instance.
        $settings = New-ScheduledTaskSettingsSet -ExecutionTimeLimit ([System.TimeSpan]::Zero) -RestartCount 999 -RestartInterval (New-TimeSpan -Minutes 1) -MultipleInstances IgnoreNew -StartWhenAvailable -AllowStartIfOnBatteries
        $principal = New-ScheduledTaskPrincipal -UserId 'SYSTEM' -LogonType ServiceAccount -RunLevel Highest
        $null = Register-ScheduledTask -TaskName 'AzsBackup Scheduler' -Action $action -Trigger $trigger -Settings $settings -Principal $principal -Force
        Start-ScheduledTask -TaskName 'AzsBackup Scheduler'
        ConvertTo-AzsBackupServiceStatus -InputObject (Get-AzsBackupScheduledTask -EngineStatus $engineStatus)
        return
    }
    $unitPath = Join-Path -Path $root -ChildPath 'etc/systemd/system/azsbackup.service'
    $action = 'Write and enable the systemd unit'
    if ($root -eq '/') {
        $action = 'Write, enable and start the systemd unit'
    }
    if (-not (Confirm-AzsBackupOperation -Caller $PSCmdlet -Target $unitPath -Action $action)) {
        return
    }
    $data = Invoke-AzsBackupEngine -Caller $PSCmdlet -ArgumentList 'service', 'install', '--root', $root -Activity 'Install scheduler service'
    ConvertTo-AzsBackupServiceStatus -InputObject $data
}
