function Set-AzsBackupRole {
    <#
    .SYNOPSIS
        Changes the directory a registered infrastructure role is backed up from.

    .DESCRIPTION
        Points the role at another local directory, keeping its name, so its next backups read
        from there while the earlier backups stay restorable under the same role name. The new
        directory is checked as Add-AzsBackupRole checks it; a refused one changes nothing.
        Relative paths are resolved against the current location.

    .PARAMETER Name
        Name of the registered role, for example KeyVault. Tab completion offers the roles.

    .PARAMETER Path
        The directory that now holds the role's data.

    .PARAMETER DefaultProfile
        Azure context of the Az modules (aliases AzureRMContext, AzureCredential). Accepted for
        compatibility and ignored.

    .EXAMPLE
        PS> Set-AzsBackupRole -Name KeyVault -Path /srv/keyvault-new

        Backs up the KeyVault role from /srv/keyvault-new from now on.

    .INPUTS
        System.String

    .OUTPUTS
        AzsBackup.BackupRole

    .LINK
        Get-AzsBackupRole

    .LINK
        Add-AzsBackupRole
    #>
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'Medium', PositionalBinding = $false)]
    [OutputType('AzsBackup.BackupRole')]
    param(
        [Parameter(Mandatory, Position = 0, ValueFromPipelineByPropertyName)]
        [Alias('RoleName')]
        [ValidateNotNullOrEmpty()]
        [string]
        $Name,

        [Parameter(Mandatory, Position = 1, ValueFromPipelineByPropertyName)]
        [ValidateNotNullOrEmpty()]
        [string]
        $Path,

        [Parameter()]
        [Alias('AzureRMContext', 'AzureCredential')]
        [ValidateNotNull()]
        [psobject]
        $DefaultProfile
    )

    process {
        Write-AzsBackupIgnoredParameter -BoundParameters $PSBoundParameters -Name 'DefaultProfile'
        $fullPath = Resolve-AzsBackupFileSystemPath -Caller $PSCmdlet -Path $Path
        if (-not (Confirm-AzsBackupOperation -Caller $PSCmdlet -Target ('{0} ({1})' -f $Name, $fullPath) -Action 'Change backup role path')) {
            return
        }
        $data = Invoke-AzsBackupEngine -Caller $PSCmdlet -ArgumentList 'role', 'set', '--name', $Name, '--path', $fullPath -Activity 'Change backup role'
        ConvertTo-AzsBackupRole -InputObject $data
    }
}
