function ConvertTo-AzsBackupNullableInt64 {
    <#
    .SYNOPSIS
        A JSON number as [long], or $null when the engine sent null or nothing.

    .PARAMETER Value
        The value from the engine.

    .OUTPUTS
        System.Int64
    #>
    [CmdletBinding()]
    [OutputType([long])]
    param(
        [Parameter()]
        [AllowNull()]
        [object]
        $Value
    )

    if ($null -eq $Value -or ($Value -is [string] -and [string]::IsNullOrWhiteSpace($Value))) {
        return $null
    }
    return [long]$Value
}
