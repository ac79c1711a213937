function ConvertTo-AzsBackupObject {
    <#
    .SYNOPSIS
        Shapes an engine Backup into the object Get-AzsBackup and Start-AzsBackup return.

    .DESCRIPTION
        Azure Stack property names and order; Name is 'region/guid' and BackupId the GUID (both
        kept, for the Az 1.0.x and 0.1-0.2 scripts respectively); Tag and Tags; Status a plain
        string so that $backup.Status -eq 'Succeeded' and [string]$backup.Status work;
        CreatedDateTime a UTC [datetime]; TimeTakenToCreate stays the ISO-8601 duration string;
        RoleStatus an array of AzsBackup.RoleOperationStatus objects.

    .PARAMETER InputObject
        One Backup from the engine's result data.

    .OUTPUTS
        AzsBackup.Backup
    #>
    [CmdletBinding()]
    [OutputType('AzsBackup.Backup')]
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

        $name = $member['Name']
        $backupId = $member['BackupId']
        if ([string]::IsNullOrEmpty([string]$backupId) -and -not [string]::IsNullOrEmpty([string]$name)) {
            $backupId = ([string]$name -split '/')[-1]
        }

        $tagSource = $member['Tag']
        if ($null -eq $tagSource) {
            $tagSource = $member['Tags']
        }

        # Tag and Tags hold the same pairs but must not be one object; a clone is cheaper than a
        # second conversion (an advanced-function call per backup listed).
        $tag = ConvertTo-AzsBackupHashtable -InputObject $tagSource

        $status = $member['Status']
        if ($null -ne $status) {
            $status = [string]$status
        }

        $roleStatus = [System.Collections.Generic.List[object]]::new()
        # Assigned first: @() around a non-enumerated array would wrap it instead of listing it.
        $roleItems = $member['RoleStatus']
        foreach ($item in $roleItems) {
            if ($null -ne $item) {
                $roleStatus.Add((ConvertTo-AzsBackupRoleOperationStatus -InputObject $item))
            }
        }

        $deploymentId = $member['DeploymentId']
        $cloudRecoveryReady = $member['IsCloudRecoveryReady']
        if ($null -ne $cloudRecoveryReady) {
            $cloudRecoveryReady = [bool]$cloudRecoveryReady
        }

        $shaped = [ordered]@{
            Id                       = $member['Id']
            Name                     = $name
            Type                     = $member['Type']
            Location                 = $member['Location']
            Tag                      = $tag
            Tags                     = $tag.Clone()
            BackupId                 = $backupId
            BackupDataVersion        = $member['BackupDataVersion']
            Status                   = $status
            RoleStatus               = $roleStatus.ToArray()
            CreatedDateTime          = ConvertTo-AzsBackupUtcDateTime -Value $member['CreatedDateTime']
            TimeTakenToCreate        = $member['TimeTakenToCreate']
            DeploymentId             = $deploymentId
            StampVersion             = $member['StampVersion']
            OemVersion               = $member['OemVersion']
            IsCloudRecoveryReady     = $cloudRecoveryReady
            EncryptionCertThumbprint = $member['EncryptionCertThumbprint']
            # Extra to Azure Stack's shape: bytes on the share, bytes of role data, and when it ended.
            SizeInBytes              = ConvertTo-AzsBackupNullableInt64 -Value $member['SizeInBytes']
            SourceSizeInBytes        = ConvertTo-AzsBackupNullableInt64 -Value $member['SourceSizeInBytes']
            CompletedDateTime        = ConvertTo-AzsBackupUtcDateTime -Value $member['CompletedDateTime']
        }
        foreach ($property in @($InputObject.PSObject.Properties)) {
            if (-not $shaped.Contains($property.Name)) {
                $shaped[$property.Name] = $property.Value
            }
        }

        $backup = [pscustomobject]$shaped
        Add-AzsBackupTypeName -InputObject $backup -TypeName 'AzsBackup.Backup', 'Microsoft.Azure.PowerShell.Cmdlets.BackupAdmin.Models.Api20180901.Backup', 'Microsoft.AzureStack.Management.Backup.Admin.Models.Backup'
        $backup
    }
}
