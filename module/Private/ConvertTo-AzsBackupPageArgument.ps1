function ConvertTo-AzsBackupPageArgument {
    <#
    .SYNOPSIS
        Validates a -Top or -Skip value given as int or string and returns it as an int, or $null when unset.

    .DESCRIPTION
        The Az line types -Top/-Skip as String (OData), the AzureRM line as Int32 with -1 meaning
        "not set". Both spellings are accepted; anything that is not a whole number is a
        terminating InvalidArgument error.

    .PARAMETER Caller
        The $PSCmdlet of the public cmdlet.

    .PARAMETER ParameterName
        Top or Skip, for the error message.

    .PARAMETER Value
        The bound value.

    .OUTPUTS
        System.Int32
    #>
    [CmdletBinding()]
    [OutputType([int])]
    param(
        [Parameter(Mandatory)]
        [System.Management.Automation.PSCmdlet]
        $Caller,

        [Parameter(Mandatory)]
        [string]
        $ParameterName,

        [Parameter()]
        [AllowNull()]
        [AllowEmptyString()]
        [string]
        $Value
    )

    if ([string]::IsNullOrWhiteSpace($Value)) {
        return $null
    }
    $number = 0
    if (-not [int]::TryParse($Value.Trim(), [System.Globalization.NumberStyles]::Integer, [System.Globalization.CultureInfo]::InvariantCulture, [ref]$number)) {
        $Caller.ThrowTerminatingError((New-AzsBackupErrorRecord -Message ("-{0} '{1}' is not valid: a whole number." -f $ParameterName, $Value) -ErrorId 'AzsBackup.InvalidParameter' -Category InvalidArgument -TargetObject $ParameterName -RecommendedAction ('Pass -{0} with a whole number, for example -{0} 10.' -f $ParameterName)))
    }
    if ($number -lt 0) {
        return $null
    }
    return $number
}
