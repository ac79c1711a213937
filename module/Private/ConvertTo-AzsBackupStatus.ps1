function ConvertTo-AzsBackupStatus {
    <#
    .SYNOPSIS
        Shapes the engine's status result (the portal's Essentials view) into an AzsBackup.BackupStatus.

    .DESCRIPTION
        Times become UTC [datetime]; LastBackupStatus is a plain string; Warnings is a string
        array (engine warnings may be strings or objects with a message). Extra properties from
        the engine are kept at the end.

    .PARAMETER InputObject
        The 'data' of the engine's result line for 'status'.

    .OUTPUTS
        AzsBackup.BackupStatus
    #>
    [CmdletBinding()]
    [OutputType('AzsBackup.BackupStatus')]
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

        $warnings = [System.Collections.Generic.List[string]]::new()
        $warningItems = Get-AzsBackupMemberValue -InputObject $InputObject -Name 'Warnings'
        foreach ($item in $warningItems) {
            if ($null -eq $item) {
                continue
            }
            if ($item -is [string]) {
                $warnings.Add($item)
                continue
            }
            $text = Get-AzsBackupMemberValue -InputObject $item -Name 'message'
            if ($null -eq $text) {
                $text = [string]$item
            }
            $warnings.Add([string]$text)
        }

        $scheduler = Get-AzsBackupMemberValue -InputObject $InputObject -Name 'IsBackupSchedulerEnabled'
        if ($null -ne $scheduler) {
            $scheduler = [bool]$scheduler
        }
        $lastStatus = Get-AzsBackupMemberValue -InputObject $InputObject -Name 'LastBackupStatus'
        if ($null -ne $lastStatus) {
            $lastStatus = [string]$lastStatus
        }

        $shaped = [ordered]@{
            Location                    = Get-AzsBackupMemberValue -InputObject $InputObject -Name 'Location'
            Path                        = Get-AzsBackupMemberValue -InputObject $InputObject -Name 'Path'
            BlobStorageUrl              = Get-AzsBackupMemberValue -InputObject $InputObject -Name 'BlobStorageUrl'
            AvailableCapacity           = Get-AzsBackupMemberValue -InputObject $InputObject -Name 'AvailableCapacity'
            IsBackupSchedulerEnabled    = $scheduler
            BackupFrequencyInHours      = Get-AzsBackupMemberValue -InputObject $InputObject -Name 'BackupFrequencyInHours'
            BackupRetentionPeriodInDays = Get-AzsBackupMemberValue -InputObject $InputObject -Name 'BackupRetentionPeriodInDays'
            NextBackupTime              = ConvertTo-AzsBackupUtcDateTime -Value (Get-AzsBackupMemberValue -InputObject $InputObject -Name 'NextBackupTime')
            LastBackupTime              = ConvertTo-AzsBackupUtcDateTime -Value (Get-AzsBackupMemberValue -InputObject $InputObject -Name 'LastBackupTime')
            LastBackupId                = Get-AzsBackupMemberValue -InputObject $InputObject -Name 'LastBackupId'
            LastBackupStatus            = $lastStatus
            LastBackupDuration          = Get-AzsBackupMemberValue -InputObject $InputObject -Name 'LastBackupDuration'
            EncryptionMode              = Get-AzsBackupMemberValue -InputObject $InputObject -Name 'EncryptionMode'
            EncryptionCertThumbprint    = Get-AzsBackupMemberValue -InputObject $InputObject -Name 'EncryptionCertThumbprint'
            EncryptionCertExpiry        = ConvertTo-AzsBackupUtcDateTime -Value (Get-AzsBackupMemberValue -InputObject $InputObject -Name 'EncryptionCertExpiry')
            Warnings                    = $warnings.ToArray()
            # Extra: what the backups cost and what the retention window will need.
            AvailableCapacityInBytes    = ConvertTo-AzsBackupNullableInt64 -Value (Get-AzsBackupMemberValue -InputObject $InputObject -Name 'AvailableCapacityInBytes')
            BackupCount                 = ConvertTo-AzsBackupNullableInt64 -Value (Get-AzsBackupMemberValue -InputObject $InputObject -Name 'BackupCount')
            UsedSpaceInBytes            = ConvertTo-AzsBackupNullableInt64 -Value (Get-AzsBackupMemberValue -InputObject $InputObject -Name 'UsedSpaceInBytes')
            AverageBackupSizeInBytes    = ConvertTo-AzsBackupNullableInt64 -Value (Get-AzsBackupMemberValue -InputObject $InputObject -Name 'AverageBackupSizeInBytes')
            BackupsInRetentionWindow    = ConvertTo-AzsBackupNullableInt64 -Value (Get-AzsBackupMemberValue -InputObject $InputObject -Name 'BackupsInRetentionWindow')
            ProjectedSpaceNeededInBytes = ConvertTo-AzsBackupNullableInt64 -Value (Get-AzsBackupMemberValue -InputObject $InputObject -Name 'ProjectedSpaceNeededInBytes')
        }
        foreach ($property in @($InputObject.PSObject.Properties)) {
            if (-not $shaped.Contains($property.Name)) {
                $shaped[$property.Name] = $property.Value
            }
        }

        $status = [pscustomobject]$shaped
        Add-AzsBackupTypeName -InputObject $status -TypeName 'AzsBackup.BackupStatus'
        $status
    }
}
