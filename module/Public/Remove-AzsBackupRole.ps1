function Remove-AzsBackupRole {
    <#
    .SYNOPSIS
        Removes an infrastructure role (data source) from future backups.

    .DESCRIPTION
        Future backups no longer include the role. Existing backups, and the role's data on
        disk, are not touched: older backups that contain the role can still restore it. A role
        that is not configured is a terminating AzsBackup.RoleNotFound error.

    .PARAMETER Name
        Name of the role to remove. Alias: RoleName. Accepted by property name from the
        pipeline, so Get-AzsBackupRole output can be piped in.

    .PARAMETER PassThru
        Returns the removed role.

    .PARAMETER DefaultProfile
        Azure context of the Az modules (aliases AzureRMContext, AzureCredential). Accepted for
        compatibility and ignored.

    .EXAMPLE
        PS> Remove-AzsBackupRole -Name KeyVault

        Stops backing up the KeyVault role.

    .EXAMPLE
        PS> Get-AzsBackupRole -Name Test* | Remove-AzsBackupRole -WhatIf

        Shows which roles would be removed.

    .INPUTS
        System.String

    .OUTPUTS
        AzsBackup.BackupRole

    .LINK
        Add-AzsBackupRole

    .LINK
        Get-AzsBackupRole
    #>
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'Medium', PositionalBinding = $false)]
    [OutputType('AzsBackup.BackupRole')]
    param(
        [Parameter(Mandatory, Position = 0, ValueFromPipelineByPropertyName)]
        [Alias('RoleName')]
        [ValidateNotNullOrEmpty()]
        [string]
        $Name,

        [Parameter()]
        [switch]
        $PassThru,

        [Parameter()]
        [Alias('AzureRMContext', 'AzureCredential')]
        [ValidateNotNull()]
        [psobject]
        $DefaultProfile
    )

    process {
        Write-AzsBackupIgnoredParameter -BoundParameters $PSBoundParameters -Name 'DefaultProfile'
        if (-not (Confirm-AzsBackupOperation -Caller $PSCmdlet -Target $Name -Action 'Remove backup role')) {
            return
        }
        $data = Invoke-AzsBackupEngine -Caller $PSCmdlet -ArgumentList 'role', 'remove', '--name', $Name -Activity 'Remove backup role'
        if ($PassThru) {
            ConvertTo-AzsBackupRole -InputObject $data
        }
    }
}
