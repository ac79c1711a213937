function Get-AzsBackup {
    <#
    .SYNOPSIS
        Lists infrastructure backups, or gets one by name.

    .DESCRIPTION
        Without -Name, lists the backups of the backup location, newest first. With -Name, gets
        one backup; the name can be the backup GUID or 'region/guid' (the Name property of a
        backup), as in both Azs.Backup.Admin lines. A backup can also be piped in (-InputObject);
        piping the backup location from Get-AzsBackupConfiguration lists its backups (the
        AzureRM -ParentResource form; ParentResource is an alias of -InputObject).

        Check Status -eq 'Succeeded' to confirm a backup; pick the newest with
        Sort-Object -Property CreatedDateTime. A backup that does not exist is a terminating
        error (AzsBackup.BackupNotFound), never an empty result.

    .PARAMETER Name
        The backup to get: its GUID (BackupId) or 'region/guid' (Name).

    .PARAMETER Location
        Name of the backup location (the region). Accepted for compatibility and ignored.

    .PARAMETER ResourceGroupName
        Resource group of the backup location. Accepted for compatibility and ignored.

    .PARAMETER SubscriptionId
        Subscription of the backup location. Accepted for compatibility and ignored.

    .PARAMETER InputObject
        A backup (gets it again, fresh) or a backup location (lists its backups), from the
        pipeline. Alias: ParentResource.

    .PARAMETER ResourceId
        Resource id of a backup (.../backupLocations/<region>/backups/<guid>) to get, or of the
        backup location to list. Alias: id. Accepted by property name from the pipeline.

    .PARAMETER Skip
        Number of backups to skip in the list (newest first). Integer or string.

    .PARAMETER Top
        Maximum number of backups to list (newest first). Integer or string: -Top 1 and
        -Top '1' both work.

    .PARAMETER DefaultProfile
        Azure context of the Az modules (aliases AzureRMContext, AzureCredential). Accepted for
        compatibility and ignored.

    .EXAMPLE
        PS> Get-AzsBackup

        Lists all backups.

    .EXAMPLE
        PS> Get-AzsBackup -Top 1 | Select-Object -Property BackupId, Status, CreatedDateTime, TimeTakenToCreate

        Shows the newest backup.

    .EXAMPLE
        PS> Get-AzsBackup -Name 'local/a8f1b7c2-4d13-4c7e-9a43-2c5e1d3f6b70'

        Gets one backup by its Name ('region/guid'); the bare GUID works too.

    .EXAMPLE
        PS> Get-AzsBackupConfiguration | Get-AzsBackup

        Lists the backups of the configured location (AzureRM -ParentResource form).

    .INPUTS
        System.Management.Automation.PSObject

    .OUTPUTS
        AzsBackup.Backup

    .NOTES
        PSTypeNames also carry Microsoft.Azure.PowerShell.Cmdlets.BackupAdmin.Models.Api20180901.Backup
        and Microsoft.AzureStack.Management.Backup.Admin.Models.Backup.

    .LINK
        Start-AzsBackup

    .LINK
        Restore-AzsBackup
    #>
    [CmdletBinding(DefaultParameterSetName = 'List', PositionalBinding = $false)]
    [OutputType('AzsBackup.Backup')]
    param(
        [Parameter(ParameterSetName = 'Get', Mandatory)]
        [ValidateNotNullOrEmpty()]
        [string]
        $Name,

        [Parameter(ParameterSetName = 'Get')]
        [Parameter(ParameterSetName = 'List')]
        [string]
        $Location,

        [Parameter(ParameterSetName = 'Get')]
        [Parameter(ParameterSetName = 'List')]
        [string]
        $ResourceGroupName,

        [Parameter(ParameterSetName = 'Get')]
        [Parameter(ParameterSetName = 'List')]
        [string[]]
        $SubscriptionId,

        [Parameter(ParameterSetName = 'GetViaIdentity', Mandatory, ValueFromPipeline)]
        [Alias('ParentResource')]
        [ValidateNotNull()]
        [psobject]
        $InputObject,

        [Parameter(ParameterSetName = 'ResourceId', Mandatory, ValueFromPipelineByPropertyName)]
        [Alias('id')]
        [ValidateNotNullOrEmpty()]
        [string]
        $ResourceId,

        [Parameter(ParameterSetName = 'GetViaIdentity')]
        [Parameter(ParameterSetName = 'List')]
        [string]
        $Skip,

        [Parameter(ParameterSetName = 'GetViaIdentity')]
        [Parameter(ParameterSetName = 'List')]
        [string]
        $Top,

        [Parameter()]
        [Alias('AzureRMContext', 'AzureCredential')]
        [ValidateNotNull()]
        [psobject]
        $DefaultProfile
    )

    process {
        Write-AzsBackupIgnoredParameter -BoundParameters $PSBoundParameters -Name 'Location', 'ResourceGroupName', 'SubscriptionId', 'DefaultProfile'

        $backupName = $null
        switch ($PSCmdlet.ParameterSetName) {
            'Get' {
                $backupName = Resolve-AzsBackupName -InputObject $Name
                if ([string]::IsNullOrWhiteSpace($backupName)) {
                    $PSCmdlet.ThrowTerminatingError((New-AzsBackupErrorRecord -Message ("-Name '{0}' does not name a backup: pass its GUID or 'region/guid'." -f $Name) -ErrorId 'AzsBackup.InvalidParameter' -Category InvalidArgument -TargetObject $Name -RecommendedAction 'List the backups with Get-AzsBackup and pass a BackupId or Name from it.'))
                }
            }
            'GetViaIdentity' {
                $backupName = Resolve-AzsBackupName -InputObject $InputObject
            }
            'ResourceId' {
                $backupName = Resolve-AzsBackupName -InputObject $ResourceId
            }
        }

        if (-not [string]::IsNullOrWhiteSpace($backupName)) {
            $data = Invoke-AzsBackupEngine -Caller $PSCmdlet -ArgumentList 'backup', 'get', $backupName -Activity 'Get backup'
            ConvertTo-AzsBackupObject -InputObject $data
            return
        }

        $engineArguments = [System.Collections.Generic.List[string]]::new()
        $engineArguments.Add('backup')
        $engineArguments.Add('list')
        $topCount = ConvertTo-AzsBackupPageArgument -Caller $PSCmdlet -ParameterName 'Top' -Value $Top
        if ($null -ne $topCount) {
            $engineArguments.Add('--top')
            $engineArguments.Add([string]$topCount)
        }
        $skipCount = ConvertTo-AzsBackupPageArgument -Caller $PSCmdlet -ParameterName 'Skip' -Value $Skip
        if ($null -ne $skipCount) {
            $engineArguments.Add('--skip')
            $engineArguments.Add([string]$skipCount)
        }

        $data = Invoke-AzsBackupEngine -Caller $PSCmdlet -ArgumentList $engineArguments.ToArray() -Activity 'List backups'
        # One call for the whole list: the conversion is per item inside.
        ConvertTo-AzsBackupObject -InputObject $data
    }
}
