function Get-AzsBackupNameCompletion {
    <#
    .SYNOPSIS
        Tab completion for backup names: the backups on the share, newest first.

    .DESCRIPTION
        Called by the argument completer registered in AzsBackup.psm1. Offers each backup's Name
        ('region/guid') when the typed text is a prefix of its Name or its GUID, with its creation
        time (local, with the offset), status and size as the tooltip. Completion never fails
        visibly: an unconfigured or unreachable share offers nothing.

    .PARAMETER WordToComplete
        What has been typed so far (quotes included, as PowerShell passes it).

    .OUTPUTS
        System.Management.Automation.CompletionResult
    #>
    [CmdletBinding()]
    [OutputType([System.Management.Automation.CompletionResult])]
    param(
        [Parameter()]
        [AllowEmptyString()]
        [string]
        $WordToComplete = ''
    )

    $typed = $WordToComplete.Trim('''', '"')
    # An unconfigured or unreachable location offers nothing; the completer asks for no errors.
    $data = Invoke-AzsBackupEngine -Caller $PSCmdlet -ArgumentList 'backup', 'list' -Activity 'Complete backup names' -NonTerminating
    if ($null -eq $data) {
        return
    }
    # The engine lists newest first; kept in that order.
    foreach ($backup in @(ConvertTo-AzsBackupObject -InputObject $data)) {
        $name = [string]$backup.Name
        $id = [string]$backup.BackupId
        if (-not ($name.StartsWith($typed, [System.StringComparison]::OrdinalIgnoreCase) -or $id.StartsWith($typed, [System.StringComparison]::OrdinalIgnoreCase))) {
            continue
        }
        $created = ''
        if ($backup.CreatedDateTime -is [datetime]) {
            $created = ([System.DateTimeOffset]$backup.CreatedDateTime).ToLocalTime().ToString('yyyy-MM-dd HH:mm zzz', [System.Globalization.CultureInfo]::InvariantCulture)
        }
        $size = ''
        $sizeValue = Get-AzsBackupMemberValue -InputObject $backup -Name 'SizeInBytes'
        if ($null -ne $sizeValue) {
            $size = ', {0}' -f (Format-AzsBackupByteSize -Bytes $sizeValue)
        }
        $tooltip = '{0} {1}{2}' -f $created, $backup.Status, $size
        [System.Management.Automation.CompletionResult]::new($name, ('{0}  {1}' -f $name, $created), [System.Management.Automation.CompletionResultType]::ParameterValue, $tooltip)
    }
}
