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

        $name = Get-AzsBackupMemberValue -InputObject $InputObject -Name 'Name'
        $backupId = Get-AzsBackupMemberValue -InputObject $InputObject -Name 'BackupId'
        if ([string]::IsNullOrEmpty([string]$backupId) -and -not [string]::IsNullOrEmpty([string]$name)) {
            $backupId = ([string]$name -split '/')[-1]
        }

        $tagSource = Get-AzsBackupMemberValue -InputObject $InputObject -Name 'Tag'
        if ($null -eq $tagSource) {
            $tagSource = Get-AzsBackupMemberValue -InputObject $InputObject -Name 'Tags'
        }

        $status = Get-AzsBackupMemberValue -InputObject $InputObject -Name 'Status'
        if ($null -ne $status) {
            $status = [string]$status
        }

        $roleStatus = [System.Collections.Generic.List[object]]::new()
        # Assigned first: @() around a non-enumerated array would wrap it instead of listing it.
        $roleItems = Get-AzsBackupMemberValue -InputObject $InputObject -Name 'RoleStatus'
        foreach ($item in $roleItems) {
            if ($null -ne $item) {
                $roleStatus.Add((ConvertTo-AzsBackupRoleOperationStatus -InputObject $item))
            }
        }

        $deploymentId = Get-AzsBackupMemberValue -InputObject $InputObject -Name 'DeploymentId'
        $cloudRecoveryReady = Get-AzsBackupMemberValue -InputObject $InputObject -Name 'IsCloudRecoveryReady'
        if ($null -ne $cloudRecoveryReady) {
            $cloudRecoveryReady = [bool]$cloudRecoveryReady
        }

        $shaped = [ordered]@{
            Id                       = Get-AzsBackupMemberValue -InputObject $InputObject -Name 'Id'
            Name                     = $name
            Type                     = Get-AzsBackupMemberValue -InputObject $InputObject -Name 'Type'
            Location                 = Get-AzsBackupMemberValue -InputObject $InputObject -Name 'Location'
            Tag                      = ConvertTo-AzsBackupHashtable -InputObject $tagSource
            Tags                     = ConvertTo-AzsBackupHashtable -InputObject $tagSource
            BackupId                 = $backupId
            BackupDataVersion        = Get-AzsBackupMemberValue -InputObject $InputObject -Name 'BackupDataVersion'
            Status                   = $status
            RoleStatus               = $roleStatus.ToArray()
            CreatedDateTime          = ConvertTo-AzsBackupUtcDateTime -Value (Get-AzsBackupMemberValue -InputObject $InputObject -Name 'CreatedDateTime')
            TimeTakenToCreate        = Get-AzsBackupMemberValue -InputObject $InputObject -Name 'TimeTakenToCreate'
            DeploymentId             = $deploymentId
            StampVersion             = Get-AzsBackupMemberValue -InputObject $InputObject -Name 'StampVersion'
            OemVersion               = Get-AzsBackupMemberValue -InputObject $InputObject -Name 'OemVersion'
            IsCloudRecoveryReady     = $cloudRecoveryReady
            EncryptionCertThumbprint = Get-AzsBackupMemberValue -InputObject $InputObject -Name 'EncryptionCertThumbprint'
            # Extra to Azure Stack's shape: bytes on the share, bytes of role data, and when it ended.
            SizeInBytes              = ConvertTo-AzsBackupNullableInt64 -Value (Get-AzsBackupMemberValue -InputObject $InputObject -Name 'SizeInBytes')
            SourceSizeInBytes        = ConvertTo-AzsBackupNullableInt64 -Value (Get-AzsBackupMemberValue -InputObject $InputObject -Name 'SourceSizeInBytes')
            CompletedDateTime        = ConvertTo-AzsBackupUtcDateTime -Value (Get-AzsBackupMemberValue -InputObject $InputObject -Name 'CompletedDateTime')
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
