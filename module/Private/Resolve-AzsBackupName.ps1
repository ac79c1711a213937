function Resolve-AzsBackupName {
    <#
    .SYNOPSIS
        Finds the backup GUID in a name, resource id, Backup object or identity hashtable.

    .DESCRIPTION
        Like both Azs.Backup.Admin lines, everything before the last '/' is dropped, so 'guid',
        'region/guid' and '/subscriptions/.../backupLocations/region/backups/guid' all give the
        GUID. A backup location (its object or its resource id) gives $null: it names no backup.

    .PARAMETER InputObject
        A string, an AzsBackup.Backup, or an identity such as @{ Backup = 'guid' }.

    .OUTPUTS
        System.String
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param(
        [Parameter()]
        [AllowNull()]
        [object]
        $InputObject
    )

    if ($null -eq $InputObject) {
        return $null
    }

    $text = $null
    if ($InputObject -is [string]) {
        $text = $InputObject
    }
    else {
        $typeNames = @($InputObject.PSObject.TypeNames)
        $isBackup = ($typeNames -contains 'AzsBackup.Backup') -or ($typeNames -contains 'Deserialized.AzsBackup.Backup')
        foreach ($memberName in @('BackupId', 'Backup')) {
            $value = Get-AzsBackupMemberValue -InputObject $InputObject -Name $memberName
            if ($null -ne $value -and -not [string]::IsNullOrWhiteSpace([string]$value)) {
                $text = [string]$value
                break
            }
        }
        if ($null -eq $text -and $isBackup) {
            $text = [string](Get-AzsBackupMemberValue -InputObject $InputObject -Name 'Name')
        }
        if ($null -eq $text) {
            $id = [string](Get-AzsBackupMemberValue -InputObject $InputObject -Name 'Id')
            if ($id -match '(?i)/backups/[^/]+/?$') {
                $text = $id
            }
        }
    }

    if ([string]::IsNullOrWhiteSpace($text)) {
        return $null
    }
    $text = $text.Trim().TrimEnd('/')
    if ($text -match '(?i)/backupLocations/[^/]+$') {
        return $null
    }
    return ($text -split '/')[-1]
}
