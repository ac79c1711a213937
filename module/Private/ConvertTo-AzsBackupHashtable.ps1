function ConvertTo-AzsBackupHashtable {
    <#
    .SYNOPSIS
        Turns a tag bag from the engine (a PSCustomObject after ConvertFrom-Json) into a hashtable.

    .PARAMETER InputObject
        A dictionary or an object whose properties are the tags. $null gives an empty hashtable.

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
    foreach ($property in @($InputObject.PSObject.Properties)) {
        $table[$property.Name] = $property.Value
    }
    return $table
}
