function Test-AzsBackupParameterAliasUsed {
    <#
    .SYNOPSIS
        Tells whether the command line that invoked a cmdlet spelled a parameter by a given alias.

    .DESCRIPTION
        PowerShell binds an alias to the parameter's real name, so $PSBoundParameters cannot say
        which spelling was used. This tokenizes the invocation line and looks for a parameter
        token with the alias name (e.g. -BackupShare or -BackupShare:). Splatted hashtables are
        not seen; that only means the deprecation warning is not shown.

    .PARAMETER Invocation
        The cmdlet's $MyInvocation.

    .PARAMETER Alias
        The alias to look for, without the dash.

    .OUTPUTS
        System.Boolean
    #>
    [CmdletBinding()]
    [OutputType([bool])]
    param(
        [Parameter(Mandatory)]
        [System.Management.Automation.InvocationInfo]
        $Invocation,

        [Parameter(Mandatory)]
        [string]
        $Alias
    )

    $line = $Invocation.Line
    if ([string]::IsNullOrWhiteSpace($line)) {
        return $false
    }
    $tokens = $null
    $parseErrors = $null
    $null = [System.Management.Automation.Language.Parser]::ParseInput($line, [ref]$tokens, [ref]$parseErrors)
    foreach ($token in @($tokens)) {
        if ($token -is [System.Management.Automation.Language.ParameterToken] -and [string]::Equals($token.ParameterName, $Alias, [System.StringComparison]::OrdinalIgnoreCase)) {
            return $true
        }
    }
    return $false
}
