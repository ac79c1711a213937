function Get-AzsBackupConfiguration {
    <#
    .SYNOPSIS
        Gets the infrastructure backup configuration: the backup location, its schedule and retention.

    .DESCRIPTION
        Returns the backup location (one per installation, named after the region): the SMB share
        path and account, the thumbprint of the encryption certificate, the backup frequency and
        retention, whether automatic backups are enabled, the next and last backup times, and the
        free space on the share. Password and EncryptionCertBase64 are always empty.

        This is the Azs.Backup.Admin cmdlet of the same name. The deprecated name
        Get-AzsBackupLocation (an alias) still works and warns. -Location, -ResourceGroupName,
        -SubscriptionId, -InputObject, -ResourceId and -DefaultProfile are accepted so that
        existing scripts run unchanged; AzsBackup manages a single backup location, so they
        select nothing.

    .PARAMETER Location
        Name of the backup location (the region). Accepted for compatibility; it is also the
        first positional parameter, as in Azs.Backup.Admin 0.2-0.3.

    .PARAMETER ResourceGroupName
        Resource group of the backup location (System.<region> on Azure Stack). Accepted for
        compatibility and ignored.

    .PARAMETER SubscriptionId
        Subscription of the backup location. Accepted for compatibility and ignored.

    .PARAMETER InputObject
        An identity object, e.g. a backup location from an earlier call. Accepted from the
        pipeline; the configured location is returned.

    .PARAMETER ResourceId
        Resource id of the backup location. Accepted for compatibility (also by property name
        from the pipeline, alias id); the configured location is returned.

    .PARAMETER Skip
        List form (Azs.Backup.Admin -Skip): number of locations to skip. There is one location,
        so -Skip 1 or more returns nothing. Integer or string.

    .PARAMETER Top
        List form (Azs.Backup.Admin -Top): maximum number of locations to return. Integer or
        string.

    .PARAMETER DefaultProfile
        Azure context of the Az modules (aliases AzureRMContext, AzureCredential). Accepted for
        compatibility and ignored.

    .EXAMPLE
        PS> Get-AzsBackupConfiguration

        Shows the backup location, schedule and retention.

    .EXAMPLE
        PS> Get-AzsBackupConfiguration | Select-Object -Property Path, UserName, AvailableCapacity, BackupFrequencyInHours, BackupRetentionPeriodInDays

        Confirms the settings, as in the Azure Stack "enable backup" procedure.

    .EXAMPLE
        PS> Get-AzsBackupLocation -Location local

        The 0.1-0.3 spelling; writes a deprecation warning and returns the same object.

    .INPUTS
        System.Management.Automation.PSObject

    .OUTPUTS
        AzsBackup.BackupLocation

    .NOTES
        PSTypeNames also carry the Azure Stack model names
        (Microsoft.Azure.PowerShell.Cmdlets.BackupAdmin.Models.Api20180901.BackupLocation,
        Microsoft.AzureStack.Management.Backup.Admin.Models.BackupLocation).

    .LINK
        Set-AzsBackupConfiguration

    .LINK
        about_AzsBackup
    #>
    [CmdletBinding(DefaultParameterSetName = 'Get', PositionalBinding = $false)]
    [OutputType('AzsBackup.BackupLocation')]
    param(
        [Parameter(ParameterSetName = 'Get', Position = 0)]
        [string]
        $Location,

        [Parameter(ParameterSetName = 'Get')]
        [Parameter(ParameterSetName = 'List')]
        [string]
        $ResourceGroupName,

        [Parameter(ParameterSetName = 'Get')]
        [Parameter(ParameterSetName = 'List')]
        [string[]]
        $SubscriptionId,

        [Parameter(ParameterSetName = 'GetViaIdentity', Mandatory, ValueFromPipeline)]
        [psobject]
        $InputObject,

        [Parameter(ParameterSetName = 'ResourceId', Mandatory, ValueFromPipelineByPropertyName)]
        [Alias('id')]
        [ValidateNotNullOrEmpty()]
        [string]
        $ResourceId,

        [Parameter(ParameterSetName = 'List')]
        [string]
        $Skip,

        [Parameter(ParameterSetName = 'List')]
        [string]
        $Top,

        [Parameter()]
        [Alias('AzureRMContext', 'AzureCredential')]
        [ValidateNotNull()]
        [psobject]
        $DefaultProfile
    )

    begin {
        if (($MyInvocation.InvocationName -split '\\')[-1] -eq 'Get-AzsBackupLocation') {
            Write-Warning -Message 'Get-AzsBackupLocation has been deprecated, please use Get-AzsBackupConfiguration'
        }
    }

    process {
        Write-AzsBackupIgnoredParameter -BoundParameters $PSBoundParameters -Name 'Location', 'ResourceGroupName', 'SubscriptionId', 'InputObject', 'ResourceId', 'DefaultProfile'

        $skipCount = ConvertTo-AzsBackupPageArgument -Caller $PSCmdlet -ParameterName 'Skip' -Value $Skip
        $topCount = ConvertTo-AzsBackupPageArgument -Caller $PSCmdlet -ParameterName 'Top' -Value $Top

        $data = Invoke-AzsBackupEngine -Caller $PSCmdlet -ArgumentList 'config', 'get' -Activity 'Get backup configuration'
        $backupLocation = ConvertTo-AzsBackupLocation -InputObject $data

        if ($PSCmdlet.ParameterSetName -eq 'List') {
            # One location per installation: page over a list of one.
            if (($null -ne $skipCount -and $skipCount -ge 1) -or ($null -ne $topCount -and $topCount -eq 0)) {
                return
            }
        }
        $backupLocation
    }
}
