function Write-AzsBackupIgnoredParameter {
    <#
    .SYNOPSIS
        Writes a verbose note for each Azure addressing parameter that was passed but has no effect.

    .DESCRIPTION
        -Location, -ResourceGroupName, -SubscriptionId, -DefaultProfile and similar parameters
        are accepted so that Azs.Backup.Admin scripts run unchanged; AzsBackup manages exactly
        one backup location, so they select nothing.

    .PARAMETER BoundParameters
        The caller's $PSBoundParameters. It is a generic dictionary: IDictionary.Contains is an
        explicit interface member there, which PowerShell cannot call, so the lookup is ContainsKey.

    .PARAMETER Name
        The parameters to report when bound.

    .OUTPUTS
        None
    #>
    [CmdletBinding()]
    [OutputType([void])]
    param(
        [Parameter(Mandatory)]
        [System.Collections.Generic.IDictionary[string, object]]
        $BoundParameters,

        [Parameter(Mandatory)]
        [string[]]
        $Name
    )

    foreach ($parameterName in $Name) {
        if ($BoundParameters.ContainsKey($parameterName)) {
            Write-Verbose -Message ('-{0} is accepted for compatibility with Azs.Backup.Admin and has no effect: AzsBackup manages a single backup location.' -f $parameterName)
        }
    }
}
