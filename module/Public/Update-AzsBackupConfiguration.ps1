function Update-AzsBackupConfiguration {
    <#
    .SYNOPSIS
        Updates the infrastructure backup configuration: only the parameters given change. The location is an SMB share or an Azure Blob Storage container.

    .DESCRIPTION
        The Azs.Backup.Admin 2.0.0 (API 2021-09-01) command, with PATCH semantics: each
        parameter given replaces that one setting and everything else keeps its value.

        The backup location is either a file share (-Path, -UserName, -Password) or a blob
        container (-BlobStorageUrl, -BlobStorageKey); the two sets cannot be mixed in one call,
        and naming a location of the other kind replaces the current one with its credentials.
        -BlobStorageUrl is the container URL, https://<account>.blob.core.windows.net/<container>
        (or http://127.0.0.1:<port>/<account>/<container> for a local emulator such as Azurite;
        plain http is refused for any other host), optionally followed by a folder and by a SAS
        token (?sv=...). A SAS URL needs no -BlobStorageKey. The URL, the key and the SAS go to
        the engine on standard input and are stored sealed; Get-AzsBackupConfiguration shows the
        URL without its SAS and an empty BlobStorageKey. The container is created if it does
        not exist (with an account key; a container SAS needs an existing container).

        The engine writes and deletes a probe before saving a new location or credential, so a
        wrong key, an expired SAS or an unreachable endpoint is a terminating error and the
        previous configuration stays in force.

        Set-AzsBackupConfiguration keeps working unchanged for file shares.

    .PARAMETER InputObject
        The backup location to update (for example from Get-AzsBackupConfiguration), accepted
        from the pipeline. There is one backup location: it identifies it, its values are not
        applied (use Set-AzsBackupConfiguration -Backup to apply a modified object).

    .PARAMETER Location
        Name of the backup location (the region), used in resource names and ids.

    .PARAMETER ResourceGroupName
        Resource group of the backup location. Accepted for compatibility and ignored.

    .PARAMETER SubscriptionId
        Subscription of the backup location. Accepted for compatibility and ignored.

    .PARAMETER Path
        UNC path of the SMB share (or a folder in it) that receives the backups.

    .PARAMETER UserName
        Account with read and write access to the share, as DOMAIN\user or user.

    .PARAMETER Password
        Password of the share account, as a SecureString.

    .PARAMETER BlobStorageUrl
        URL of the blob container that receives the backups, optionally with a folder and a SAS
        token. The SAS is a secret: it is never shown, logged or passed on a command line.

    .PARAMETER BlobStorageKey
        Access key of the storage account (key1 or key2). Not needed with a SAS URL.

    .PARAMETER EncryptionCertPath
        Path of the public key certificate (.cer) used to encrypt new backups.

    .PARAMETER IsBackupSchedulerEnabled
        Turns automatic backups on (-IsBackupSchedulerEnabled) or off
        (-IsBackupSchedulerEnabled:$false).

    .PARAMETER BackupFrequencyInHours
        Hours between automatic backups, 4 to 12.

    .PARAMETER BackupRetentionPeriodInDays
        Days backups are kept, 2 to 14. Lowering it deletes older backups at once.

    .PARAMETER AsJob
        Runs the command as a PowerShell job and returns the job.

    .PARAMETER NoWait
        Accepted for compatibility; the update completes before the command returns.

    .PARAMETER DefaultProfile
        Azure context of the Az modules (aliases AzureRMContext, AzureCredential). Accepted for
        compatibility and ignored.

    .EXAMPLE
        PS> Update-AzsBackupConfiguration -BlobStorageUrl 'https://contosobackup.blob.core.windows.net/azsbackup' -BlobStorageKey $storageKey -EncryptionCertPath 'C:\certs\AzSIBCCert.cer'

        Backs up to a blob container, authenticated with the storage account key.

    .EXAMPLE
        PS> Update-AzsBackupConfiguration -BlobStorageUrl 'https://contosobackup.blob.core.windows.net/azsbackup?sv=2021-08-06&ss=b&srt=co&sp=rwdlac&se=2027-01-01T00:00:00Z&sig=...'

        Backs up to a blob container with a SAS instead of the account key.

    .EXAMPLE
        PS> Update-AzsBackupConfiguration -BackupRetentionPeriodInDays 5

        Changes the retention only; the location, credentials and schedule stay as they are.

    .EXAMPLE
        PS> Get-AzsBackupConfiguration | Update-AzsBackupConfiguration -Path '\\fileserver\backup' -UserName 'CONTOSO\backupadmin' -Password $password

        Moves the backups back to a file share.

    .INPUTS
        System.Management.Automation.PSObject

    .OUTPUTS
        AzsBackup.BackupLocation

    .LINK
        Clear-AzsBackupConfiguration

    .LINK
        Get-AzsBackupConfiguration

    .LINK
        about_AzsBackup
    #>
    [CmdletBinding(DefaultParameterSetName = 'UpdateFileshareExpanded', SupportsShouldProcess, ConfirmImpact = 'Medium', PositionalBinding = $false)]
    [OutputType('AzsBackup.BackupLocation')]
    param(
        [Parameter(ParameterSetName = 'UpdateFileshareViaIdentityExpanded', Mandatory, ValueFromPipeline)]
        [Parameter(ParameterSetName = 'UpdateBlobViaIdentityExpanded', Mandatory, ValueFromPipeline)]
        [ValidateNotNull()]
        [psobject]
        $InputObject,

        [Parameter()]
        [ValidateNotNullOrEmpty()]
        [string]
        $Location,

        [Parameter()]
        [string]
        $ResourceGroupName,

        [Parameter()]
        [string]
        $SubscriptionId,

        [Parameter(ParameterSetName = 'UpdateFileshareExpanded')]
        [Parameter(ParameterSetName = 'UpdateFileshareViaIdentityExpanded')]
        [ValidateNotNullOrEmpty()]
        [string]
        $Path,

        [Parameter(ParameterSetName = 'UpdateFileshareExpanded')]
        [Parameter(ParameterSetName = 'UpdateFileshareViaIdentityExpanded')]
        [ValidateNotNullOrEmpty()]
        [string]
        $UserName,

        [Parameter(ParameterSetName = 'UpdateFileshareExpanded')]
        [Parameter(ParameterSetName = 'UpdateFileshareViaIdentityExpanded')]
        [ValidateNotNull()]
        [System.Security.SecureString]
        $Password,

        [Parameter(ParameterSetName = 'UpdateBlobExpanded')]
        [Parameter(ParameterSetName = 'UpdateBlobViaIdentityExpanded')]
        [ValidateNotNullOrEmpty()]
        [string]
        $BlobStorageUrl,

        [Parameter(ParameterSetName = 'UpdateBlobExpanded')]
        [Parameter(ParameterSetName = 'UpdateBlobViaIdentityExpanded')]
        [ValidateNotNullOrEmpty()]
        [string]
        $BlobStorageKey,

        [Parameter()]
        [ValidateNotNullOrEmpty()]
        [string]
        $EncryptionCertPath,

        [Parameter()]
        [switch]
        $IsBackupSchedulerEnabled,

        [Parameter()]
        [int]
        $BackupFrequencyInHours,

        [Parameter()]
        [int]
        $BackupRetentionPeriodInDays,

        [Parameter()]
        [switch]
        $AsJob,

        [Parameter()]
        [switch]
        $NoWait,

        [Parameter()]
        [Alias('AzureRMContext', 'AzureCredential')]
        [ValidateNotNull()]
        [psobject]
        $DefaultProfile
    )

    process {
        Write-AzsBackupIgnoredParameter -BoundParameters $PSBoundParameters -Name 'ResourceGroupName', 'SubscriptionId', 'NoWait', 'DefaultProfile', 'InputObject'

        $options = [ordered]@{}
        $secrets = [ordered]@{}
        if ($PSBoundParameters.ContainsKey('Location')) {
            $options['--location'] = $Location
        }
        if ($PSBoundParameters.ContainsKey('Path')) {
            $options['--path'] = $Path
        }
        if ($PSBoundParameters.ContainsKey('UserName')) {
            $options['--user-name'] = $UserName
        }
        if ($PSBoundParameters.ContainsKey('BackupFrequencyInHours')) {
            $options['--frequency'] = [string]$BackupFrequencyInHours
        }
        if ($PSBoundParameters.ContainsKey('BackupRetentionPeriodInDays')) {
            $options['--retention'] = [string]$BackupRetentionPeriodInDays
        }
        if ($PSBoundParameters.ContainsKey('IsBackupSchedulerEnabled')) {
            $options['--scheduler'] = ([string]$IsBackupSchedulerEnabled.IsPresent).ToLowerInvariant()
        }
        if ($PSBoundParameters.ContainsKey('Password')) {
            $secrets['password'] = $Password
        }
        # The URL may carry a SAS: it travels with the secrets, never in argv or a message.
        if ($PSBoundParameters.ContainsKey('BlobStorageUrl')) {
            $secrets['blobStorageUrl'] = $BlobStorageUrl
        }
        if ($PSBoundParameters.ContainsKey('BlobStorageKey')) {
            $secrets['blobStorageKey'] = $BlobStorageKey
        }

        $certificateFile = $null
        if ($PSBoundParameters.ContainsKey('EncryptionCertPath')) {
            $certificateFile = Resolve-AzsBackupFileSystemPath -Caller $PSCmdlet -Path $EncryptionCertPath -MustExist -NotFoundMessage ('The specified encryption cert {0} does not exist' -f $EncryptionCertPath) -NotFoundErrorId 'AzsBackup.CertificateNotFound'
        }

        $changes = [System.Collections.Generic.List[string]]::new()
        foreach ($optionName in @($options.Keys)) {
            $changes.Add($optionName.TrimStart('-'))
        }
        foreach ($secretName in @($secrets.Keys)) {
            $changes.Add($secretName)
        }
        if ($null -ne $certificateFile) {
            $changes.Add('encryption-cert')
        }
        $target = 'backup location'
        if ($PSBoundParameters.ContainsKey('Location')) {
            $target = $Location
        }
        $action = 'Update backup configuration'
        if ($changes.Count -gt 0) {
            $action = 'Update backup configuration ({0})' -f ($changes -join ', ')
        }
        if (-not (Confirm-AzsBackupOperation -Caller $PSCmdlet -Target $target -Action $action)) {
            return
        }

        if ($AsJob) {
            $override = @{}
            if ($null -ne $certificateFile) {
                $override['EncryptionCertPath'] = $certificateFile
            }
            Start-AzsBackupJob -CommandName $MyInvocation.MyCommand.Name -BoundParameters $PSBoundParameters -Override $override
            return
        }

        $engineArguments = [System.Collections.Generic.List[string]]::new()
        $engineArguments.Add('config')
        $engineArguments.Add('set')
        foreach ($option in $options.GetEnumerator()) {
            $engineArguments.Add([string]$option.Key)
            $engineArguments.Add([string]$option.Value)
        }
        if ($null -ne $certificateFile) {
            $engineArguments.Add('--encryption-cert')
            $engineArguments.Add($certificateFile)
        }
        $data = Invoke-AzsBackupEngine -Caller $PSCmdlet -ArgumentList $engineArguments.ToArray() -Secret $secrets -Activity 'Update backup configuration'
        ConvertTo-AzsBackupLocation -InputObject $data
    }
}
