function Get-AzsBackupMemberTable {
    <#
    .SYNOPSIS
        All members of an object or dictionary, in one case-insensitive hashtable.

    .DESCRIPTION
        Converters that read many members of one object use this instead of one
        Get-AzsBackupMemberValue call per member: each advanced-function call costs a parameter
        binding, and listing 100 backups made 2,500 of them (about 0.4 s of Get-AzsBackup).

    .PARAMETER InputObject
        The object (engine JSON, a user's object) or dictionary to read.

    .OUTPUTS
        System.Collections.Hashtable
    #>
    [CmdletBinding()]
    [OutputType([hashtable])]
    param(
        [Parameter()]
        [AllowNull()]
        [object]
        $InputObject
    )

    $table = @{}
    if ($null -eq $InputObject) {
        return $table
    }
    if ($InputObject -is [System.Collections.IDictionary]) {
        foreach ($key in @($InputObject.Keys)) {
            $table[[string]$key] = $InputObject[$key]
        }
        return $table
    }
    foreach ($property in $InputObject.PSObject.Properties) {
        $table[$property.Name] = $property.Value
    }
    return $table
}
