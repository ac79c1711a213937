function Get-AzsBackupService {
    <#
    .SYNOPSIS
        Shows whether the scheduler service that makes the automatic backups is installed, enabled and running.

    .DESCRIPTION
        On Linux, the systemd unit azsbackup.service (Install-AzsBackupService writes it); on
        Windows, the 'AzsBackup Scheduler' task of Task Scheduler. Automatic backups run only
        while this service runs and Get-AzsBackupConfiguration shows IsBackupSchedulerEnabled.

    .PARAMETER RootPath
        Linux: the file system root the unit is under; default '/'. Another folder inspects an
        image or a test tree offline.

    .PARAMETER DefaultProfile
        Azure context of the Az modules (aliases AzureRMContext, AzureCredential). Accepted for
        compatibility and ignored.

    .EXAMPLE
        PS> Get-AzsBackupService

        Shows the service of this machine.

    .OUTPUTS
        AzsBackup.ServiceStatus

    .LINK
        Install-AzsBackupService

    .LINK
        Uninstall-AzsBackupService
    #>
    [CmdletBinding(PositionalBinding = $false)]
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
    $data = Invoke-AzsBackupEngine -Caller $PSCmdlet -ArgumentList 'service', 'show', '--root', $root -Activity 'Get scheduler service'
    if ($IsWindows) {
        $data = Get-AzsBackupScheduledTask -EngineStatus $data
    }
    ConvertTo-AzsBackupServiceStatus -InputObject $data
}
