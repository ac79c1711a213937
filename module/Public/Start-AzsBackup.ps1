function Start-AzsBackup {
    <#
    .SYNOPSIS
        Starts an on-demand infrastructure backup and returns it when it has finished.

    .DESCRIPTION
        Backs up every configured role (see Add-AzsBackupRole) to the backup share, encrypted
        for the configured certificate, and returns the Backup. Progress is shown with
        Write-Progress while the backup runs. Only one backup runs at a time: starting a second
        one fails with AzsBackup.BackupInProgress, naming the running backup. An on-demand backup
        does not move the next scheduled backup.

        -AsJob returns a PowerShell job whose output is the Backup (Receive-Job); -NoWait returns
        the Backup at once, in the Running state, while the engine carries on.
        -Force, -Location, -ResourceGroupName, -SubscriptionId, -InputObject and -ResourceId are
        accepted so that Azs.Backup.Admin scripts (e.g. Start-AzsBackup -Force) run unchanged.

    .PARAMETER Location
        Name of the backup location (the region). Accepted for compatibility and ignored.

    .PARAMETER ResourceGroupName
        Resource group of the backup location. Accepted for compatibility and ignored.

    .PARAMETER SubscriptionId
        Subscription of the backup location. Accepted for compatibility and ignored.

    .PARAMETER InputObject
        The backup location (from Get-AzsBackupConfiguration), from the pipeline. Accepted for
        compatibility; the configured location is backed up.

    .PARAMETER ResourceId
        Resource id of the backup location (alias id). Accepted for compatibility and ignored.

    .PARAMETER AsJob
        Runs the backup as a PowerShell job and returns the job. Receive-Job gives the Backup.

    .PARAMETER NoWait
        Returns the Backup as soon as it has started (Status Running) instead of when it ends.
        Follow it with Get-AzsBackup -Name.

    .PARAMETER Force
        Accepted for compatibility with Azs.Backup.Admin 0.1-0.3, where it skipped a
        confirmation prompt. This command prompts only with -Confirm.

    .PARAMETER DefaultProfile
        Azure context of the Az modules (aliases AzureRMContext, AzureCredential). Accepted for
        compatibility and ignored.

    .EXAMPLE
        PS> $backup = Start-AzsBackup
        PS> $backup.Status

        Runs a backup and shows its status (Succeeded, PartialSucceeded or Failed).

    .EXAMPLE
        PS> $job = Start-AzsBackup -AsJob
        PS> $job | Wait-Job | Receive-Job

        Runs the backup in the background; the job output is the Backup.

    .EXAMPLE
        PS> Start-AzsBackup -Force

        The Azs.Backup.Admin 0.x spelling used in the Azure Stack documentation.

    .INPUTS
        System.Management.Automation.PSObject

    .OUTPUTS
        AzsBackup.Backup

    .LINK
        Get-AzsBackup

    .LINK
        about_AzsBackup
    #>
    [CmdletBinding(DefaultParameterSetName = 'Create', SupportsShouldProcess, ConfirmImpact = 'Medium', PositionalBinding = $false)]
    [OutputType('AzsBackup.Backup')]
    param(
        [Parameter(ParameterSetName = 'Create')]
        [string]
        $Location,

        [Parameter(ParameterSetName = 'Create')]
        [string]
        $ResourceGroupName,

        [Parameter(ParameterSetName = 'Create')]
        [string]
        $SubscriptionId,

        [Parameter(ParameterSetName = 'CreateViaIdentity', Mandatory, ValueFromPipeline)]
        [ValidateNotNull()]
        [psobject]
        $InputObject,

        [Parameter(ParameterSetName = 'ResourceId', Mandatory, ValueFromPipelineByPropertyName)]
        [Alias('id')]
        [ValidateNotNullOrEmpty()]
        [string]
        $ResourceId,

        [Parameter()]
        [switch]
        $AsJob,

        [Parameter()]
        [switch]
        $NoWait,

        [Parameter()]
        [switch]
        $Force,

        [Parameter()]
        [Alias('AzureRMContext', 'AzureCredential')]
        [ValidateNotNull()]
        [psobject]
        $DefaultProfile
    )

    process {
        Write-AzsBackupIgnoredParameter -BoundParameters $PSBoundParameters -Name 'Location', 'ResourceGroupName', 'SubscriptionId', 'InputObject', 'ResourceId', 'Force', 'DefaultProfile'

        $target = 'backup location'
        if ($PSBoundParameters.ContainsKey('Location')) {
            $target = $Location
        }
        if (-not (Confirm-AzsBackupOperation -Caller $PSCmdlet -Target $target -Action 'Start backup')) {
            return
        }

        if ($AsJob) {
            Start-AzsBackupJob -CommandName $MyInvocation.MyCommand.Name -BoundParameters $PSBoundParameters
            return
        }

        $engineArguments = [System.Collections.Generic.List[string]]::new()
        $engineArguments.Add('backup')
        $engineArguments.Add('start')
        if ($NoWait) {
            $engineArguments.Add('--no-wait')
        }
        $data = Invoke-AzsBackupEngine -Caller $PSCmdlet -ArgumentList $engineArguments.ToArray() -Activity 'Backup'
        ConvertTo-AzsBackupObject -InputObject $data
    }
}
