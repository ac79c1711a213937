function ConvertTo-AzsBackupRoleOperationStatus {
    <#
    .SYNOPSIS
        Shapes one RoleStatus item of a Backup: RoleName and Status (plain strings).

    .DESCRIPTION
        Each item gets a ToString() script method returning RoleName, so "$role" and the default
        rendering of a Backup's RoleStatus array show role names ({NRP, SRP, ...}), as the Azure
        Stack documentation shows them. Accepts the engine's PascalCase or camelCase names.

    .PARAMETER InputObject
        One element of the engine Backup's RoleStatus array.

    .OUTPUTS
        AzsBackup.RoleOperationStatus
    #>
    [CmdletBinding()]
    [OutputType('AzsBackup.RoleOperationStatus')]
    param(
        [Parameter(Mandatory, ValueFromPipeline)]
        [AllowNull()]
        [object]
        $InputObject
    )

    process {
        if ($null -eq $InputObject) {
            return
        }
        $member = ConvertTo-AzsBackupHashtable -InputObject $InputObject
        $status = $member['Status']
        if ($null -eq $status) {
            # The 2016-era composite spec called it operationStatus.
            $status = $member['OperationStatus']
        }
        if ($null -ne $status) {
            $status = [string]$status
        }

        $shaped = [ordered]@{
            RoleName = [string]$member['RoleName']
            Status   = $status
        }
        foreach ($property in @($InputObject.PSObject.Properties)) {
            if (-not $shaped.Contains($property.Name) -and $property.Name -ne 'OperationStatus') {
                $shaped[$property.Name] = $property.Value
            }
        }

        $role = [pscustomobject]$shaped
        Add-Member -InputObject $role -MemberType ScriptMethod -Name 'ToString' -Value { [string]$this.RoleName } -Force
        Add-AzsBackupTypeName -InputObject $role -TypeName 'AzsBackup.RoleOperationStatus', 'Microsoft.Azure.PowerShell.Cmdlets.BackupAdmin.Models.Api20180901.RoleOperationStatus', 'Microsoft.AzureStack.Management.Backup.Admin.Models.RoleOperationStatus'
        $role
    }
}
