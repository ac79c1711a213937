function Get-AzsBackupMemberValue {
    <#
    .SYNOPSIS
        Reads a property of an object or a key of a dictionary, case-insensitively, StrictMode-safe.

    .DESCRIPTION
        Returns $null when the member does not exist (instead of throwing under
        Set-StrictMode -Version Latest). Arrays are returned as one object, never enumerated, so
        that an empty or one-element array survives the trip.

    .PARAMETER InputObject
        A PSObject, PSCustomObject, hashtable or any other dictionary. $null gives $null.

    .PARAMETER Name
        The property or key name.

    .OUTPUTS
        System.Object
    #>
    [CmdletBinding()]
    [OutputType([object])]
    param(
        [Parameter()]
        [AllowNull()]
        [object]
        $InputObject,

        [Parameter(Mandatory)]
        [string]
        $Name
    )

    if ($null -eq $InputObject) {
        return $null
    }

    if ($InputObject -is [System.Collections.IDictionary]) {
        foreach ($key in @($InputObject.Keys)) {
            if ([string]::Equals([string]$key, $Name, [System.StringComparison]::OrdinalIgnoreCase)) {
                Write-Output -NoEnumerate -InputObject $InputObject[$key]
                return
            }
        }
        return $null
    }

    $property = $InputObject.PSObject.Properties[$Name]
    if ($null -eq $property) {
        return $null
    }
    Write-Output -NoEnumerate -InputObject $property.Value
}
