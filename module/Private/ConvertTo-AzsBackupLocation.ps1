function ConvertTo-AzsBackupLocation {
    <#
    .SYNOPSIS
        Shapes an engine BackupLocation into the object Get-/Set-AzsBackupConfiguration return.

    .DESCRIPTION
        Properties come in the Azure Stack order and casing; times become UTC [datetime];
        numbers and flags get their .NET types. Extra properties from the engine are kept at the
        end. PSTypeNames: AzsBackup.BackupLocation first, then the Az and AzureRM model names.

    .PARAMETER InputObject
        The 'data' of the engine's result line for config get|set and schedule enable|disable.

    .OUTPUTS
        AzsBackup.BackupLocation
    #>
    [CmdletBinding()]
    [OutputType('AzsBackup.BackupLocation')]
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

        $frequency = Get-AzsBackupMemberValue -InputObject $InputObject -Name 'BackupFrequencyInHours'
        $retention = Get-AzsBackupMemberValue -InputObject $InputObject -Name 'BackupRetentionPeriodInDays'
        $scheduler = Get-AzsBackupMemberValue -InputObject $InputObject -Name 'IsBackupSchedulerEnabled'

        $shaped = [ordered]@{
            Id                          = Get-AzsBackupMemberValue -InputObject $InputObject -Name 'Id'
            Name                        = Get-AzsBackupMemberValue -InputObject $InputObject -Name 'Name'
            Type                        = Get-AzsBackupMemberValue -InputObject $InputObject -Name 'Type'
            Location                    = Get-AzsBackupMemberValue -InputObject $InputObject -Name 'Location'
            Tag                         = ConvertTo-AzsBackupHashtable -InputObject (Get-AzsBackupMemberValue -InputObject $InputObject -Name 'Tag')
            Path                        = Get-AzsBackupMemberValue -InputObject $InputObject -Name 'Path'
            UserName                    = Get-AzsBackupMemberValue -InputObject $InputObject -Name 'UserName'
            Password                    = Get-AzsBackupMemberValue -InputObject $InputObject -Name 'Password'
            BlobStorageUrl              = Get-AzsBackupMemberValue -InputObject $InputObject -Name 'BlobStorageUrl'
            BlobStorageKey              = Get-AzsBackupMemberValue -InputObject $InputObject -Name 'BlobStorageKey'
            EncryptionCertBase64        = Get-AzsBackupMemberValue -InputObject $InputObject -Name 'EncryptionCertBase64'
            EncryptionCertThumbprint    = Get-AzsBackupMemberValue -InputObject $InputObject -Name 'EncryptionCertThumbprint'
            BackupFrequencyInHours      = $null
            BackupRetentionPeriodInDays = $null
            IsBackupSchedulerEnabled    = $null
            AvailableCapacity           = Get-AzsBackupMemberValue -InputObject $InputObject -Name 'AvailableCapacity'
            NextBackupTime              = ConvertTo-AzsBackupUtcDateTime -Value (Get-AzsBackupMemberValue -InputObject $InputObject -Name 'NextBackupTime')
            LastBackupTime              = ConvertTo-AzsBackupUtcDateTime -Value (Get-AzsBackupMemberValue -InputObject $InputObject -Name 'LastBackupTime')
        }
        if ($null -ne $frequency) {
            $shaped['BackupFrequencyInHours'] = [int]$frequency
        }
        if ($null -ne $retention) {
            $shaped['BackupRetentionPeriodInDays'] = [int]$retention
        }
        if ($null -ne $scheduler) {
            $shaped['IsBackupSchedulerEnabled'] = [bool]$scheduler
        }
        foreach ($property in @($InputObject.PSObject.Properties)) {
            if (-not $shaped.Contains($property.Name)) {
                $shaped[$property.Name] = $property.Value
            }
        }

        $location = [pscustomobject]$shaped
        Add-AzsBackupTypeName -InputObject $location -TypeName 'AzsBackup.BackupLocation', 'Microsoft.Azure.PowerShell.Cmdlets.BackupAdmin.Models.Api20180901.BackupLocation', 'Microsoft.AzureStack.Management.Backup.Admin.Models.BackupLocation'
        $location
    }
}
