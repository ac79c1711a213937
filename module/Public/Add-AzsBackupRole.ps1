function Add-AzsBackupRole {
    <#
    .SYNOPSIS
        Adds an infrastructure role (a data source) to back up: a name and a local directory.

    .DESCRIPTION
        Every backup contains one entry per role (RoleStatus), with the role's files read from
        its directory. Role names follow Azure Stack's (for example KeyVault, NRP, WAS, ECE).
        The directory must exist and must not overlap the state directory or the staging
        cache; the engine refuses it otherwise (AzsBackup.SourceRejected). Relative paths are
        resolved against the current location.

    .PARAMETER Name
        Name of the role, for example KeyVault. Accepted by property name from the pipeline.

    .PARAMETER Path
        Directory holding the role's data. Accepted by property name from the pipeline.

    .PARAMETER DefaultProfile
        Azure context of the Az modules (aliases AzureRMContext, AzureCredential). Accepted for
        compatibility and ignored.

    .EXAMPLE
        PS> Add-AzsBackupRole -Name KeyVault -Path /var/lib/keyvault

        Adds the KeyVault role.

    .EXAMPLE
        PS> Import-Csv -Path .\roles.csv | Add-AzsBackupRole

        Adds every role listed in a CSV file with Name and Path columns.

    .INPUTS
        System.String

    .OUTPUTS
        AzsBackup.BackupRole

    .LINK
        Get-AzsBackupRole

    .LINK
        Remove-AzsBackupRole
    #>
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'Medium', PositionalBinding = $false)]
    [OutputType('AzsBackup.BackupRole')]
    param(
        [Parameter(Mandatory, Position = 0, ValueFromPipelineByPropertyName)]
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
        if (-not (Confirm-AzsBackupOperation -Caller $PSCmdlet -Target ('{0} ({1})' -f $Name, $fullPath) -Action 'Add backup role')) {
            return
        }
        $data = Invoke-AzsBackupEngine -Caller $PSCmdlet -ArgumentList 'role', 'add', '--name', $Name, '--path', $fullPath -Activity 'Add backup role'
        ConvertTo-AzsBackupRole -InputObject $data
    }
}
