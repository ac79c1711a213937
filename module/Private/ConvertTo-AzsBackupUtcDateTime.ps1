function ConvertTo-AzsBackupUtcDateTime {
    <#
    .SYNOPSIS
        Turns an engine time (ISO-8601 string, or a DateTime already made by ConvertFrom-Json) into a UTC [datetime].

    .DESCRIPTION
        ConvertFrom-Json in PowerShell 7 may already have turned ISO strings into DateTime values,
        with Kind Utc, Local or Unspecified depending on the version; all of them end up as UTC.
        Null, empty or unparsable values give $null.

    .PARAMETER Value
        The value to convert.

    .OUTPUTS
        System.DateTime
    #>
    [CmdletBinding()]
    [OutputType([datetime])]
    param(
        [Parameter()]
        [AllowNull()]
        [object]
        $Value
    )

    if ($null -eq $Value) {
        return $null
    }
    if ($Value -is [datetime]) {
        if ($Value.Kind -eq [System.DateTimeKind]::Utc) {
            return $Value
        }
        if ($Value.Kind -eq [System.DateTimeKind]::Local) {
            return $Value.ToUniversalTime()
        }
        return [datetime]::SpecifyKind($Value, [System.DateTimeKind]::Utc)
    }
    if ($Value -is [System.DateTimeOffset]) {
        return $Value.UtcDateTime
    }

    $text = [string]$Value
    if ([string]::IsNullOrWhiteSpace($text)) {
        return $null
    }
    $parsed = [datetime]::MinValue
    $styles = [System.Globalization.DateTimeStyles]'AdjustToUniversal, AssumeUniversal'
    if ([datetime]::TryParse($text, [System.Globalization.CultureInfo]::InvariantCulture, $styles, [ref]$parsed)) {
        return [datetime]::SpecifyKind($parsed, [System.DateTimeKind]::Utc)
    }
    Write-Verbose -Message ("Ignoring a time value that is not ISO-8601: '{0}'" -f $text)
    return $null
}
