function ConvertTo-AzsBackupObject {
    <#
    .SYNOPSIS
        Shapes engine Backups into the objects Get-AzsBackup and Start-AzsBackup return.

    .DESCRIPTION
        Azure Stack property names and order; Name is 'region/guid' and BackupId the GUID (both
        kept, for the Az 1.0.x and 0.1-0.2 scripts respectively); Tag and Tags; Status a plain
        string so that $backup.Status -eq 'Succeeded' and [string]$backup.Status work;
        CreatedDateTime a UTC [datetime]; TimeTakenToCreate stays the ISO-8601 duration string;
        RoleStatus an array of AzsBackup.RoleOperationStatus objects (RoleName and Status, plain
        strings; the 2016-era name operationStatus is accepted), whose ToString() is RoleName.

        A listing passes every backup in one call. The per-field conversions are written out here
        rather than calling the small converter functions: each advanced-function call costs about
        a tenth of a millisecond, and with a dozen per backup they were a third of Get-AzsBackup's
        time for 100 backups. An object in exactly the engine's shape (ts/catalog/azure-shape.ts
        emits the properties in this order) is completed in place rather than rebuilt: for 100
        backups, in the first calls of a session, 14-21 ms against 31-66 ms.

    .PARAMETER InputObject
        Backups from the engine's result data (one, or the whole list).

    .OUTPUTS
        AzsBackup.Backup
    #>
    [CmdletBinding()]
    [OutputType('AzsBackup.Backup')]
    param(
        [Parameter(Mandatory, ValueFromPipeline)]
        [AllowNull()]
        [AllowEmptyCollection()]
        [object[]]
        $InputObject
    )

    begin {
        # So that "$role" and a Backup's default rendering show role names ({NRP, SRP, ...}), as
        # the Azure Stack documentation shows them.
        $roleToString = [System.Management.Automation.PSScriptMethod]::new('ToString', { [string]$this.RoleName })
        $utc = [System.DateTimeKind]::Utc
        $engineShape = 'Id,Name,Type,Location,Tag,Tags,BackupId,BackupDataVersion,Status,RoleStatus,CreatedDateTime,TimeTakenToCreate,DeploymentId,StampVersion,OemVersion,IsCloudRecoveryReady,EncryptionCertThumbprint,SizeInBytes,SourceSizeInBytes,CompletedDateTime'
        $engineRoleShape = 'RoleName,Status,Message'
    }

    process {
        $backups = [System.Collections.Generic.List[psobject]]::new()
        $roles = [System.Collections.Generic.List[psobject]]::new()
        foreach ($item in $InputObject) {
            if ($null -eq $item) {
                continue
            }
            # The engine's own object, as ConvertFrom-Json made it: the properties are already in
            # this order and of these types, so only Tag, the roles and the times need finishing.
            # One finished before (its first type name is ours) is rebuilt instead, like any other.
            if ($item.PSObject.BaseObject -is [System.Management.Automation.PSCustomObject] -and $item.PSObject.TypeNames[0] -cne 'AzsBackup.Backup' -and ($item.PSObject.Properties.Name -join ',') -ceq $engineShape) {
                $rolesInPlace = $true
                foreach ($roleItem in $item.RoleStatus) {
                    if ($null -eq $roleItem -or $roleItem.PSObject.BaseObject -isnot [System.Management.Automation.PSCustomObject] -or ($roleItem.PSObject.Properties.Name -join ',') -cne $engineRoleShape) {
                        $rolesInPlace = $false
                        break
                    }
                }
                if ($rolesInPlace) {
                    # Tag and Tags hold the same pairs but must not be one object.
                    $tag = @{}
                    foreach ($property in $item.Tag.PSObject.Properties) { $tag[$property.Name] = $property.Value }
                    $item.Tag = $tag
                    $item.Tags = $tag.Clone()
                    foreach ($role in $item.RoleStatus) {
                        $role.PSObject.Methods.Add($roleToString)
                        $roles.Add($role)
                    }
                    $item.RoleStatus = @($item.RoleStatus)
                    $created = $item.CreatedDateTime
                    if (-not ($created -is [datetime] -and $created.Kind -eq $utc)) {
                        $item.CreatedDateTime = ConvertTo-AzsBackupUtcDateTime -Value $created
                    }
                    $completed = $item.CompletedDateTime
                    if (-not ($completed -is [datetime] -and $completed.Kind -eq $utc)) {
                        $item.CompletedDateTime = ConvertTo-AzsBackupUtcDateTime -Value $completed
                    }
                    foreach ($sizeName in 'SizeInBytes', 'SourceSizeInBytes') {
                        $size = $item.$sizeName
                        if ($null -ne $size -and $size -isnot [long]) {
                            $item.$sizeName = [long]$size
                        }
                    }
                    if ($null -ne $item.Status -and $item.Status -isnot [string]) {
                        $item.Status = [string]$item.Status
                    }
                    if ($null -ne $item.IsCloudRecoveryReady -and $item.IsCloudRecoveryReady -isnot [bool]) {
                        $item.IsCloudRecoveryReady = [bool]$item.IsCloudRecoveryReady
                    }
                    $backups.Add($item)
                    continue
                }
            }

            # The engine's object as a case-insensitive table, whether ConvertFrom-Json made a
            # PSCustomObject or a caller passed a dictionary. Written out, as are the tables below:
            # a script block call costs as much as the loop.
            $member = @{}
            if ($item -is [System.Collections.IDictionary]) {
                foreach ($key in @($item.Keys)) { $member[[string]$key] = $item[$key] }
            }
            else {
                foreach ($property in $item.PSObject.Properties) { $member[$property.Name] = $property.Value }
            }

            $name = $member['Name']
            $backupId = $member['BackupId']
            if ([string]::IsNullOrEmpty([string]$backupId) -and -not [string]::IsNullOrEmpty([string]$name)) {
                $backupId = ([string]$name -split '/')[-1]
            }

            $tagSource = $member['Tag']
            if ($null -eq $tagSource) {
                $tagSource = $member['Tags']
            }
            # Tag and Tags hold the same pairs but must not be one object.
            $tag = @{}
            if ($tagSource -is [System.Collections.IDictionary]) {
                foreach ($key in @($tagSource.Keys)) { $tag[[string]$key] = $tagSource[$key] }
            }
            elseif ($null -ne $tagSource) {
                foreach ($property in $tagSource.PSObject.Properties) { $tag[$property.Name] = $property.Value }
            }

            $status = $member['Status']
            if ($null -ne $status) {
                $status = [string]$status
            }

            $roleStatus = [System.Collections.Generic.List[object]]::new()
            # Assigned first: @() around a non-enumerated array would wrap it instead of listing it.
            $roleItems = $member['RoleStatus']
            foreach ($roleItem in $roleItems) {
                if ($null -eq $roleItem) {
                    continue
                }
                $roleMember = @{}
                if ($roleItem -is [System.Collections.IDictionary]) {
                    foreach ($key in @($roleItem.Keys)) { $roleMember[[string]$key] = $roleItem[$key] }
                }
                else {
                    foreach ($property in $roleItem.PSObject.Properties) { $roleMember[$property.Name] = $property.Value }
                }
                $roleState = $roleMember['Status']
                if ($null -eq $roleState) {
                    # The 2016-era composite spec called it operationStatus.
                    $roleState = $roleMember['OperationStatus']
                }
                if ($null -ne $roleState) {
                    $roleState = [string]$roleState
                }
                $roleShaped = [ordered]@{
                    RoleName = [string]$roleMember['RoleName']
                    Status   = $roleState
                }
                foreach ($property in $roleItem.PSObject.Properties) {
                    if (-not $roleShaped.Contains($property.Name) -and $property.Name -ne 'OperationStatus') {
                        $roleShaped[$property.Name] = $property.Value
                    }
                }
                $role = [pscustomobject]$roleShaped
                $role.PSObject.Methods.Add($roleToString)
                $roleStatus.Add($role)
                $roles.Add($role)
            }

            # ConvertFrom-Json hands over UTC DateTimes already; anything else (Local, Unspecified,
            # DateTimeOffset, text) takes the full conversion.
            $created = $member['CreatedDateTime']
            if (-not ($created -is [datetime] -and $created.Kind -eq $utc)) {
                $created = ConvertTo-AzsBackupUtcDateTime -Value $created
            }
            $completed = $member['CompletedDateTime']
            if (-not ($completed -is [datetime] -and $completed.Kind -eq $utc)) {
                $completed = ConvertTo-AzsBackupUtcDateTime -Value $completed
            }
            $size = $member['SizeInBytes']
            $sourceSize = $member['SourceSizeInBytes']
            $size = if ($null -eq $size -or ($size -is [string] -and [string]::IsNullOrWhiteSpace($size))) { $null } else { [long]$size }
            $sourceSize = if ($null -eq $sourceSize -or ($sourceSize -is [string] -and [string]::IsNullOrWhiteSpace($sourceSize))) { $null } else { [long]$sourceSize }

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
                CreatedDateTime          = $created
                TimeTakenToCreate        = $member['TimeTakenToCreate']
                DeploymentId             = $member['DeploymentId']
                StampVersion             = $member['StampVersion']
                OemVersion               = $member['OemVersion']
                IsCloudRecoveryReady     = $cloudRecoveryReady
                EncryptionCertThumbprint = $member['EncryptionCertThumbprint']
                # Extra to Azure Stack's shape: bytes on the share, bytes of role data, and when it ended.
                SizeInBytes              = $size
                SourceSizeInBytes        = $sourceSize
                CompletedDateTime        = $completed
            }
            foreach ($property in $item.PSObject.Properties) {
                if (-not $shaped.Contains($property.Name)) {
                    $shaped[$property.Name] = $property.Value
                }
            }

            $backups.Add([pscustomobject]$shaped)
        }
        # Type names for every object at once: one call per list, not two per backup.
        if ($roles.Count -gt 0) {
            Add-AzsBackupTypeName -New -InputObject $roles.ToArray() -TypeName 'AzsBackup.RoleOperationStatus', 'Microsoft.Azure.PowerShell.Cmdlets.BackupAdmin.Models.Api20180901.RoleOperationStatus', 'Microsoft.AzureStack.Management.Backup.Admin.Models.RoleOperationStatus'
        }
        if ($backups.Count -gt 0) {
            Add-AzsBackupTypeName -New -InputObject $backups.ToArray() -TypeName 'AzsBackup.Backup', 'Microsoft.Azure.PowerShell.Cmdlets.BackupAdmin.Models.Api20180901.Backup', 'Microsoft.AzureStack.Management.Backup.Admin.Models.Backup'
        }
        $backups
    }
}
