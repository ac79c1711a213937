function Get-AzsBackupRoleCompletion {
    <#
    .SYNOPSIS
        Tab completion for role names: the registered roles, with their paths as the tooltip.

    .DESCRIPTION
        Called by the argument completer registered in AzsBackup.psm1. Reads the local
        configuration only (no share), so it is instant. Offers nothing when none is configured.

    .PARAMETER WordToComplete
        What has been typed so far (quotes included, as PowerShell passes it).

    .OUTPUTS
        System.Management.Automation.CompletionResult
    #>
    [CmdletBinding()]
    [OutputType([System.Management.Automation.CompletionResult])]
    param(
        [Parameter()]
        [AllowEmptyString()]
        [string]
        $WordToComplete = ''
    )

    $typed = $WordToComplete.Trim('''', '"')
    # An unconfigured or unreachable location offers nothing; the completer asks for no errors.
    $data = Invoke-AzsBackupEngine -Caller $PSCmdlet -ArgumentList 'role', 'list' -Activity 'Complete role names' -NonTerminating
    if ($null -eq $data) {
        return
    }
    foreach ($item in $data) {
        $role = ConvertTo-AzsBackupRole -InputObject $item
        if (-not $role.Name.StartsWith($typed, [System.StringComparison]::OrdinalIgnoreCase)) {
            continue
        }
        $text = $role.Name
        if ($text -match '[\s''"`$;,()]') {
            $text = "'{0}'" -f $text.Replace("'", "''")
        }
        [System.Management.Automation.CompletionResult]::new($text, $role.Name, [System.Management.Automation.CompletionResultType]::ParameterValue, $role.Path)
    }
}
