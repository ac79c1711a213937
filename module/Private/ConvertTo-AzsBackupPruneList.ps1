function ConvertTo-AzsBackupPruneList {
    <#
    .SYNOPSIS
        Shapes the engine's prune result: PathsToDelete (string array) and Deleted (bool).

    .PARAMETER InputObject
        The 'data' of the engine's result line for 'prune'.

    .OUTPUTS
        AzsBackup.PruneList
    #>
    [CmdletBinding()]
    [OutputType('AzsBackup.PruneList')]
    param(
        [Parameter(Mandatory, ValueFromPipeline)]
        [AllowNull()]
        [object]
        $InputObject
    )

    process {
        if ($null -eq $InputObject) {
            return
        }
        $paths = [System.Collections.Generic.List[string]]::new()
        $pathItems = Get-AzsBackupMemberValue -InputObject $InputObject -Name 'PathsToDelete'
        foreach ($path in $pathItems) {
            if ($null -ne $path) {
                $paths.Add([string]$path)
            }
        }
        $deleted = Get-AzsBackupMemberValue -InputObject $InputObject -Name 'Deleted'
        $pruneList = [pscustomobject][ordered]@{
            PathsToDelete = $paths.ToArray()
            Deleted       = [bool]$deleted
        }
        Add-AzsBackupTypeName -InputObject $pruneList -TypeName 'AzsBackup.PruneList', 'Microsoft.Azure.PowerShell.Cmdlets.BackupAdmin.Models.Api20180901.PruneList'
        $pruneList
    }
}
