function Get-AzsBackupRole {
    <#
    .SYNOPSIS
        Gets the infrastructure roles (data sources) that backups include.

    .DESCRIPTION
        Lists the configured roles with their directories. -Name filters by name and accepts
        wildcards; a name without wildcards that matches nothing writes a non-terminating
        AzsBackup.RoleNotFound error.

    .PARAMETER Name
        Role name or wildcard pattern, for example KeyVault or Key*.

    .PARAMETER DefaultProfile
        Azure context of the Az modules (aliases AzureRMContext, AzureCredential). Accepted for
        compatibility and ignored.

    .EXAMPLE
        PS> Get-AzsBackupRole

        Lists every role.

    .EXAMPLE
        PS> Get-AzsBackupRole -Name Key*

        Lists the roles whose names start with Key.

    .INPUTS
        None

    .OUTPUTS
        AzsBackup.BackupRole

    .LINK
        Add-AzsBackupRole

    .LINK
        Remove-AzsBackupRole
    #>
    [CmdletBinding(PositionalBinding = $false)]
    [OutputType('AzsBackup.BackupRole')]
    param(
        [Parameter(Position = 0)]
        [SupportsWildcards()]
        [string]
        $Name,

        [Parameter()]
        [Alias('AzureRMContext', 'AzureCredential')]
        [ValidateNotNull()]
        [psobject]
        $DefaultProfile
    )

    process {
        Write-AzsBackupIgnoredParameter -BoundParameters $PSBoundParameters -Name 'DefaultProfile'
        $data = Invoke-AzsBackupEngine -Caller $PSCmdlet -ArgumentList 'role', 'list' -Activity 'Get backup roles'
        $roles = @(foreach ($item in $data) {
                ConvertTo-AzsBackupRole -InputObject $item
            })

        if ([string]::IsNullOrEmpty($Name)) {
            $roles
            return
        }
        $matched = @($roles | Where-Object -FilterScript { $_.Name -like $Name })
        if ($matched.Count -eq 0 -and -not [System.Management.Automation.WildcardPattern]::ContainsWildcardCharacters($Name)) {
            $PSCmdlet.WriteError((New-AzsBackupErrorRecord -Message ("No backup role named '{0}' is configured." -f $Name) -ErrorId 'AzsBackup.RoleNotFound' -Category ObjectNotFound -TargetObject $Name -RecommendedAction 'List the roles with Get-AzsBackupRole, or add one with Add-AzsBackupRole.'))
            return
        }
        $matched
    }
}
