function Invoke-AzsPruneBackupLocationExternalStore {
    <#
    .SYNOPSIS
        Deletes, or with -OperationType DryRun lists, what no longer belongs on the backup share.

    .DESCRIPTION
        Finds incomplete uploads, backups older than the retention period and stale certificate
        copies under the MASBackup folder of the share. With -OperationType DryRun it only lists
        them; with Default (or nothing) it deletes exactly what DryRun listed. The newest
        Succeeded backup is always kept, nothing outside MASBackup or without AzsBackup metadata
        is touched, and pruning is refused (AzsBackup.ClockSkew) when the share's clock and this
        machine's disagree by more than five minutes.

        As in Azs.Backup.Admin 1.0.x the output is the list of relative paths (lower case, '/'
        separated, e.g. masbackup/progressivebackup/...) as ONE pipeline object (a string array),
        and no output when there is nothing to prune: an information message then says so
        (-InformationVariable captures it). With -PassThru the full AzsBackup.PruneList
        (PathsToDelete, Deleted) is returned instead, even when empty.

    .PARAMETER Location
        Name of the backup location (the region). Accepted for compatibility and ignored.

    .PARAMETER ResourceGroupName
        Resource group of the backup location. Accepted for compatibility and ignored.

    .PARAMETER SubscriptionId
        Subscription of the backup location. Accepted for compatibility and ignored.

    .PARAMETER InputObject
        The backup location (from Get-AzsBackupConfiguration), from the pipeline. Accepted for
        compatibility; the configured location is pruned.

    .PARAMETER Option
        Prune options as the Az module takes them: a hashtable or object with OperationType,
        e.g. @{ OperationType = 'DryRun' }. Accepted from the pipeline.

    .PARAMETER OperationType
        DryRun lists what would be deleted; Default deletes it.

    .PARAMETER AsJob
        Runs the command as a PowerShell job and returns the job.

    .PARAMETER NoWait
        Accepted for compatibility with Azs.Backup.Admin; the command completes before it returns.

    .PARAMETER PassThru
        Returns the AzsBackup.PruneList object (PathsToDelete and Deleted) instead of the bare
        path list.

    .PARAMETER DefaultProfile
        Azure context of the Az modules (aliases AzureRMContext, AzureCredential). Accepted for
        compatibility and ignored.

    .EXAMPLE
        PS> Invoke-AzsPruneBackupLocationExternalStore -OperationType DryRun

        Lists the files and folders that the next prune would delete.

    .EXAMPLE
        PS> Invoke-AzsPruneBackupLocationExternalStore

        Deletes them.

    .EXAMPLE
        PS> @{ OperationType = 'DryRun' } | Invoke-AzsPruneBackupLocationExternalStore

        The Az 1.0.x -Option form, from the pipeline.

    .INPUTS
        System.Management.Automation.PSObject

    .OUTPUTS
        System.String[]

    .OUTPUTS
        AzsBackup.PruneList

    .LINK
        Set-AzsBackupConfiguration

    .LINK
        about_AzsBackup
    #>
    [CmdletBinding(DefaultParameterSetName = 'PruneExpanded', SupportsShouldProcess, ConfirmImpact = 'Medium', PositionalBinding = $false)]
    [OutputType([string[]])]
    [OutputType('AzsBackup.PruneList')]
    param(
        [Parameter(ParameterSetName = 'Prune')]
        [Parameter(ParameterSetName = 'PruneExpanded')]
        [string]
        $Location,

        [Parameter(ParameterSetName = 'Prune')]
        [Parameter(ParameterSetName = 'PruneExpanded')]
        [string]
        $ResourceGroupName,

        [Parameter(ParameterSetName = 'Prune')]
        [Parameter(ParameterSetName = 'PruneExpanded')]
        [string]
        $SubscriptionId,

        [Parameter(ParameterSetName = 'PruneViaIdentity', Mandatory, ValueFromPipeline)]
        [Parameter(ParameterSetName = 'PruneViaIdentityExpanded', Mandatory, ValueFromPipeline)]
        [ValidateNotNull()]
        [psobject]
        $InputObject,

        [Parameter(ParameterSetName = 'Prune', Mandatory, ValueFromPipeline)]
        [Parameter(ParameterSetName = 'PruneViaIdentity', Mandatory, ValueFromPipeline)]
        [ValidateNotNull()]
        [psobject]
        $Option,

        [Parameter(ParameterSetName = 'PruneExpanded')]
        [Parameter(ParameterSetName = 'PruneViaIdentityExpanded')]
        [ValidateSet('Default', 'DryRun')]
        [string]
        $OperationType,

        [Parameter()]
        [switch]
        $AsJob,

        [Parameter()]
        [switch]
        $NoWait,

        [Parameter()]
        [switch]
        $PassThru,

        [Parameter()]
        [Alias('AzureRMContext', 'AzureCredential')]
        [ValidateNotNull()]
        [psobject]
        $DefaultProfile
    )

    process {
        Write-AzsBackupIgnoredParameter -BoundParameters $PSBoundParameters -Name 'Location', 'ResourceGroupName', 'SubscriptionId', 'NoWait', 'DefaultProfile'

        # The operation: -OperationType, else the option object's OperationType. A piped option
        # hashtable may have been bound to -InputObject (both take pipeline input), so an
        # InputObject that carries OperationType is read as the option.
        $operation = 'Default'
        if ($PSBoundParameters.ContainsKey('OperationType')) {
            $operation = $OperationType
        }
        else {
            $optionSource = $null
            if ($PSBoundParameters.ContainsKey('Option')) {
                $optionSource = $Option
            }
            elseif ($PSBoundParameters.ContainsKey('InputObject') -and $null -ne (Get-AzsBackupMemberValue -InputObject $InputObject -Name 'OperationType')) {
                $optionSource = $InputObject
            }
            $optionValue = [string](Get-AzsBackupMemberValue -InputObject $optionSource -Name 'OperationType')
            if (-not [string]::IsNullOrWhiteSpace($optionValue)) {
                if ($optionValue.Trim() -eq 'DryRun') {
                    $operation = 'DryRun'
                }
                elseif ($optionValue.Trim() -eq 'Default') {
                    $operation = 'Default'
                }
                else {
                    $PSCmdlet.ThrowTerminatingError((New-AzsBackupErrorRecord -Message ("OperationType '{0}' is not valid: Default or DryRun." -f $optionValue) -ErrorId 'AzsBackup.InvalidParameter' -Category InvalidArgument -TargetObject 'OperationType' -RecommendedAction 'Use OperationType Default or DryRun.'))
                }
            }
        }
        $isDryRun = ($operation -eq 'DryRun')

        $action = 'Delete expired backups, incomplete uploads and stale certificate copies'
        if ($isDryRun) {
            $action = 'List what a prune would delete (DryRun)'
        }
        if (-not (Confirm-AzsBackupOperation -Caller $PSCmdlet -Target 'backup store' -Action $action)) {
            return
        }

        if ($AsJob) {
            Start-AzsBackupJob -CommandName $MyInvocation.MyCommand.Name -BoundParameters $PSBoundParameters -Override @{ OperationType = $operation } -Exclude 'Option', 'InputObject'
            return
        }

        $engineArguments = [System.Collections.Generic.List[string]]::new()
        $engineArguments.Add('prune')
        if ($isDryRun) {
            $engineArguments.Add('--dry-run')
        }
        $activity = 'Prune backup store'
        if ($isDryRun) {
            $activity = 'Prune backup store (DryRun)'
        }
        $data = Invoke-AzsBackupEngine -Caller $PSCmdlet -ArgumentList $engineArguments.ToArray() -Activity $activity
        $pruneList = ConvertTo-AzsBackupPruneList -InputObject $data

        if ($null -eq $pruneList -or $pruneList.PathsToDelete.Count -eq 0) {
            # An empty answer would otherwise look like a prune that did not run. Shown by default
            # (the information stream is hidden by default); -InformationAction Ignore silences it.
            $informationAction = 'Continue'
            if ($PSBoundParameters.ContainsKey('InformationAction')) {
                $informationAction = $PSBoundParameters['InformationAction']
            }
            $nothingMessage = 'Nothing to prune: no expired backups, incomplete uploads or stale certificate copies were found.'
            if ($isDryRun) {
                $nothingMessage = 'DryRun: nothing would be deleted; no expired backups, incomplete uploads or stale certificate copies were found.'
            }
            Write-Information -MessageData $nothingMessage -InformationAction $informationAction
        }

        if ($PassThru) {
            $pruneList
            return
        }
        if ($null -ne $pruneList -and $pruneList.PathsToDelete.Count -gt 0) {
            # One pipeline object, as Azs.Backup.Admin 1.0.x writes it.
            Write-Output -NoEnumerate -InputObject $pruneList.PathsToDelete
        }
    }
}
