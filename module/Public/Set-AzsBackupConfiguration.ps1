function Set-AzsBackupConfiguration {
    <#
    .SYNOPSIS
        Sets the infrastructure backup configuration: share, account, encryption certificate, schedule and retention.

    .DESCRIPTION
        Changes only what is passed; every other setting keeps its value. Pass the UNC path of an
        SMB share with -Path (alias -BackupShare), the account with -UserName and -Password, the
        public key certificate (.cer) that encrypts new backups with -EncryptionCertPath, how often
        automatic backups run with -BackupFrequencyInHours (4-12, default 12), how long they are
        kept with -BackupRetentionPeriodInDays (2-14, default 7), and whether they run at all with
        -IsBackupSchedulerEnabled. The engine checks the share and the certificate before saving,
        so a wrong password, an unreachable share or a .pfx given as the encryption certificate
        is a terminating error and the previous configuration stays in force.

        Every spelling used by Azs.Backup.Admin scripts works:
          - the deprecated name Set-AzsBackupShare (an alias; warns) and -BackupShare (warns);
          - -IsBackupSchedulerEnabled as a bare switch, as -IsBackupSchedulerEnabled:$false, and
            as -IsBackupSchedulerEnabled $false (the 0.3.x [bool] form);
          - a location object from Get-AzsBackupConfiguration, modified and piped in (-Backup,
            alias -InputObject): its Path, UserName, Password (plain string or SecureString),
            EncryptionCertBase64 and schedule settings are applied; parameters given on the
            command line win over the object's values;
          - -EncryptionKey, the legacy (1811 and earlier) key mode, with a deprecation warning.
            It is refused once a certificate has ever been configured: the switch to
            certificates is one-way.
        Lowering the retention deletes older backups from the share at once.

    .PARAMETER Backup
        A backup location object (from Get-AzsBackupConfiguration), usually modified, to apply.
        Accepted from the pipeline. Alias: InputObject.

    .PARAMETER ResourceId
        Resource id of the backup location (alias id). Accepted for compatibility; the
        configured location is updated.

    .PARAMETER Location
        Name of the backup location (the region), used in resource names and ids.

    .PARAMETER ResourceGroupName
        Resource group of the backup location. Accepted for compatibility and ignored.

    .PARAMETER SubscriptionId
        Subscription of the backup location. Accepted for compatibility and ignored.

    .PARAMETER Path
        Where the backups go: the UNC path of an SMB share or a folder in it, for example
        \\fileserver.contoso.com\backup\contoso.com\nyc, or a local or mounted folder such as
        /mnt/backup. The folder must exist unless -Force is given. Alias: BackupShare (deprecated).

    .PARAMETER UserName
        Account with read and write access to the share, as DOMAIN\user or user.

    .PARAMETER Password
        Password of the account, as a SecureString. It goes to the engine on standard input and
        is stored sealed; it is never shown again.

    .PARAMETER EncryptionCertPath
        Path of the public key certificate (.cer) used to encrypt new backups. The file must
        exist. Give the .cer, never the .pfx: keep the .pfx (private key) offline for restores.
        Rotating the certificate leaves older backups encrypted with the old one.

    .PARAMETER EncryptionKey
        Legacy symmetric key (from New-AzsEncryptionKeyBase64) as a SecureString. Deprecated:
        use -EncryptionCertPath. Refused once a certificate has been configured.

    .PARAMETER IsBackupSchedulerEnabled
        Turns automatic backups on or off. Works as a switch (-IsBackupSchedulerEnabled,
        -IsBackupSchedulerEnabled:$false) and with a separate value (-IsBackupSchedulerEnabled
        $false). Settings and the schedule are kept while automatic backups are off.

    .PARAMETER IsBackupSchedulerEnabledValue
        Hidden. Receives the value in the 0.3.x form -IsBackupSchedulerEnabled $true|$false.
        Not meant to be used by name.

    .PARAMETER BackupFrequencyInHours
        Hours between automatic backups, 4 to 12.

    .PARAMETER BackupRetentionPeriodInDays
        Days backups are kept on the share, 2 to 14. Lowering it deletes older backups at once.

    .PARAMETER Tag
        Resource tags of the backup location, as a hashtable.

    .PARAMETER SmbSigning
        SMB signing for a UNC backup path: Required (the default) refuses a session the file
        server does not sign, so nobody on the network path can alter backup traffic unseen.
        Relaxed accepts unsigned sessions from an old server that cannot sign; it is an
        AzsBackup extension, writes a warning when set and keeps one in Get-AzsBackupStatus.
        On Windows the SMB redirector follows the operating system's signing policy instead
        (Set-SmbClientConfiguration -RequireSecuritySignature).

    .PARAMETER AsJob
        Runs the command as a PowerShell job and returns the job; its output is the updated
        backup location.

    .PARAMETER NoWait
        Accepted for compatibility with Azs.Backup.Admin; the update completes before the
        command returns.

    .PARAMETER Force
        Creates the backup folder given with -Path, and its missing parent folders, on the share
        (or on the local disk) instead of failing with AzsBackup.SharePathFault. Accepted as in
        Azs.Backup.Admin 0.1.x; this command does not prompt beyond -Confirm.

    .PARAMETER DefaultProfile
        Azure context of the Az modules (aliases AzureRMContext, AzureCredential). Accepted for
        compatibility and ignored.

    .EXAMPLE
        PS> $password = Read-Host -Prompt 'Share password' -AsSecureString
        PS> Set-AzsBackupConfiguration -Path '\\fileserver.contoso.com\backup' -UserName 'CONTOSO\backupadmin' -Password $password -EncryptionCertPath 'C:\certs\AzSIBCCert.cer'

        Configures the share, the account and the encryption certificate.

    .EXAMPLE
        PS> Set-AzsBackupConfiguration -BackupFrequencyInHours 10 -BackupRetentionPeriodInDays 5

        Changes the schedule and retention only; everything else is kept.

    .EXAMPLE
        PS> Set-AzsBackupConfiguration -IsBackupSchedulerEnabled $false

        Turns automatic backups off (0.3.x spelling); -IsBackupSchedulerEnabled:$false does the same.

    .EXAMPLE
        PS> $location = Get-AzsBackupConfiguration
        PS> $location.Path = '\\newserver.contoso.com\backup'
        PS> $location | Set-AzsBackupConfiguration

        Applies a modified location object.

    .EXAMPLE
        PS> Set-AzsBackupShare -BackupShare '\\fileserver\backup' -Username 'CONTOSO\backupadmin' -Password $password -EncryptionCertPath .\AzSIBCCert.cer

        The 0.1-0.2 spelling; works and writes deprecation warnings.

    .INPUTS
        System.Management.Automation.PSObject

    .OUTPUTS
        AzsBackup.BackupLocation

    .LINK
        Get-AzsBackupConfiguration

    .LINK
        Enable-AzsBackupSchedule

    .LINK
        about_AzsBackup
    #>
    [CmdletBinding(DefaultParameterSetName = 'UpdateExpanded', SupportsShouldProcess, ConfirmImpact = 'Medium', PositionalBinding = $false)]
    [OutputType('AzsBackup.BackupLocation')]
    param(
        [Parameter(ParameterSetName = 'Update', Mandatory, ValueFromPipeline)]
        [Alias('InputObject')]
        [ValidateNotNull()]
        [psobject]
        $Backup,

        [Parameter(ParameterSetName = 'ResourceId', Mandatory, ValueFromPipelineByPropertyName)]
        [Alias('id')]
        [ValidateNotNullOrEmpty()]
        [string]
        $ResourceId,

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

        [Parameter()]
        [Alias('BackupShare')]
        [ValidateNotNullOrEmpty()]
        [string]
        $Path,

        [Parameter()]
        [ValidateNotNullOrEmpty()]
        [string]
        $UserName,

        [Parameter()]
        [ValidateNotNull()]
        [System.Security.SecureString]
        $Password,

        [Parameter()]
        [ValidateNotNullOrEmpty()]
        [string]
        $EncryptionCertPath,

        [Parameter()]
        [ValidateNotNull()]
        [System.Security.SecureString]
        $EncryptionKey,

        [Parameter()]
        [switch]
        $IsBackupSchedulerEnabled,

        [Parameter(Position = 0, DontShow)]
        [AllowNull()]
        [object]
        $IsBackupSchedulerEnabledValue,

        [Parameter()]
        [int]
        $BackupFrequencyInHours,

        [Parameter()]
        [int]
        $BackupRetentionPeriodInDays,

        [Parameter()]
        [hashtable]
        $Tag,

        [Parameter()]
        [ValidateSet('Required', 'Relaxed')]
        [string]
        $SmbSigning,

        [Parameter()]
        [switch]
        $AsJob,

        [Parameter()]
        [switch]
        $NoWait,

        [Parameter()]
        [switch]
        $Force,

        [Parameter()]
        [Alias('AzureRMContext', 'AzureCredential')]
        [ValidateNotNull()]
        [psobject]
        $DefaultProfile
    )

    begin {
        if (($MyInvocation.InvocationName -split '\\')[-1] -eq 'Set-AzsBackupShare') {
            Write-Warning -Message 'Set-AzsBackupShare has been deprecated, please use Set-AzsBackupConfiguration'
        }
        if (Test-AzsBackupParameterAliasUsed -Invocation $MyInvocation -Alias 'BackupShare') {
            Write-Warning -Message 'The parameter alias BackupShare will be deprecated in future release. Please use the parameter Path instead'
        }
    }

    process {
        Write-AzsBackupIgnoredParameter -BoundParameters $PSBoundParameters -Name 'ResourceGroupName', 'SubscriptionId', 'ResourceId', 'NoWait', 'DefaultProfile'

        # -IsBackupSchedulerEnabled: a switch, a switch with :$false, or the 0.3.x "[bool]" form
        # where the value arrives in the hidden positional parameter.
        $schedulerEnabled = $null
        if ($PSBoundParameters.ContainsKey('IsBackupSchedulerEnabledValue')) {
            $givenValue = $IsBackupSchedulerEnabledValue
            if (-not $PSBoundParameters.ContainsKey('IsBackupSchedulerEnabled')) {
                $PSCmdlet.ThrowTerminatingError((New-AzsBackupErrorRecord -Message ("A positional argument cannot be found that accepts argument '{0}'. Set-AzsBackupConfiguration takes no positional arguments." -f $givenValue) -ErrorId 'AzsBackup.InvalidParameter' -Category InvalidArgument -TargetObject $givenValue -RecommendedAction 'Name every parameter, for example -IsBackupSchedulerEnabled $false.'))
            }
            if ($givenValue -is [bool]) {
                $schedulerEnabled = $givenValue
            }
            elseif ($givenValue -is [System.Management.Automation.SwitchParameter]) {
                $schedulerEnabled = $givenValue.IsPresent
            }
            elseif ($givenValue -is [int] -or $givenValue -is [long] -or $givenValue -is [double] -or $givenValue -is [decimal]) {
                $schedulerEnabled = ($givenValue -ne 0)
            }
            elseif ($givenValue -is [string] -and $givenValue.Trim().TrimStart('$') -in @('true', '1')) {
                $schedulerEnabled = $true
            }
            elseif ($givenValue -is [string] -and $givenValue.Trim().TrimStart('$') -in @('false', '0')) {
                $schedulerEnabled = $false
            }
            else {
                $PSCmdlet.ThrowTerminatingError((New-AzsBackupErrorRecord -Message ("-IsBackupSchedulerEnabled '{0}' is not valid: `$true or `$false." -f $givenValue) -ErrorId 'AzsBackup.InvalidParameter' -Category InvalidArgument -TargetObject 'IsBackupSchedulerEnabled' -RecommendedAction 'Pass -IsBackupSchedulerEnabled $true or -IsBackupSchedulerEnabled $false.'))
            }
        }
        elseif ($PSBoundParameters.ContainsKey('IsBackupSchedulerEnabled')) {
            $schedulerEnabled = $IsBackupSchedulerEnabled.IsPresent
        }

        # Engine options (option name -> value) and stdin secrets. A piped object goes first so
        # that parameters given on the command line override its values.
        $options = [ordered]@{}
        $secrets = [ordered]@{}
        $certificateBase64 = $null
        $changes = [System.Collections.Generic.List[string]]::new()

        if ($PSCmdlet.ParameterSetName -eq 'Update') {
            $objectPath = [string](Get-AzsBackupMemberValue -InputObject $Backup -Name 'Path')
            if (-not [string]::IsNullOrWhiteSpace($objectPath)) {
                $options['--path'] = $objectPath
            }
            $objectUserName = [string](Get-AzsBackupMemberValue -InputObject $Backup -Name 'UserName')
            if (-not [string]::IsNullOrWhiteSpace($objectUserName)) {
                $options['--user-name'] = $objectUserName
            }
            $objectFrequency = Get-AzsBackupMemberValue -InputObject $Backup -Name 'BackupFrequencyInHours'
            if ($null -ne $objectFrequency -and -not [string]::IsNullOrWhiteSpace([string]$objectFrequency)) {
                $options['--frequency'] = [string][int]$objectFrequency
            }
            $objectRetention = Get-AzsBackupMemberValue -InputObject $Backup -Name 'BackupRetentionPeriodInDays'
            if ($null -ne $objectRetention -and -not [string]::IsNullOrWhiteSpace([string]$objectRetention)) {
                $options['--retention'] = [string][int]$objectRetention
            }
            $objectScheduler = Get-AzsBackupMemberValue -InputObject $Backup -Name 'IsBackupSchedulerEnabled'
            if ($null -ne $objectScheduler -and $null -eq $schedulerEnabled) {
                $schedulerEnabled = [bool]$objectScheduler
            }
            # Password comes back empty from Get-AzsBackupConfiguration; only a value set on the
            # object (plain string, as in the Az module's own tests, or SecureString) is applied.
            $objectPassword = Get-AzsBackupMemberValue -InputObject $Backup -Name 'Password'
            if ($objectPassword -is [System.Security.SecureString]) {
                if ($objectPassword.Length -gt 0) {
                    $secrets['password'] = $objectPassword
                }
            }
            elseif ($null -ne $objectPassword -and ([string]$objectPassword).Length -gt 0) {
                $secrets['password'] = [string]$objectPassword
            }
            $objectCertificate = [string](Get-AzsBackupMemberValue -InputObject $Backup -Name 'EncryptionCertBase64')
            if (-not [string]::IsNullOrWhiteSpace($objectCertificate)) {
                $certificateBase64 = $objectCertificate
            }
        }

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
        if ($PSBoundParameters.ContainsKey('SmbSigning')) {
            $options['--smb-signing'] = $SmbSigning
        }
        if ($null -ne $schedulerEnabled) {
            if ($schedulerEnabled) {
                $options['--scheduler'] = 'true'
            }
            else {
                $options['--scheduler'] = 'false'
            }
        }
        if ($PSBoundParameters.ContainsKey('Password')) {
            $secrets['password'] = $Password
        }
        if ($PSBoundParameters.ContainsKey('EncryptionKey')) {
            Write-Warning -Message 'The -EncryptionKey parameter (legacy encryption key mode) is deprecated and will be removed; configure a certificate with -EncryptionCertPath instead. Moving to a certificate is one-way: the key cannot be used again afterwards.'
            $secrets['encryptionKey'] = $EncryptionKey
        }

        $certificateFile = $null
        if ($PSBoundParameters.ContainsKey('EncryptionCertPath')) {
            $certificateFile = Resolve-AzsBackupFileSystemPath -Caller $PSCmdlet -Path $EncryptionCertPath -MustExist -NotFoundMessage ('The specified encryption cert {0} does not exist' -f $EncryptionCertPath) -NotFoundErrorId 'AzsBackup.CertificateNotFound'
            $certificateBase64 = $null
        }

        $tagArguments = [System.Collections.Generic.List[string]]::new()
        if ($PSBoundParameters.ContainsKey('Tag') -and $null -ne $Tag) {
            foreach ($tagKey in @($Tag.Keys | Sort-Object)) {
                $tagArguments.Add('--tag')
                $tagArguments.Add(('{0}={1}' -f $tagKey, $Tag[$tagKey]))
            }
        }

        foreach ($optionName in @($options.Keys)) {
            $changes.Add($optionName.TrimStart('-'))
        }
        foreach ($secretName in @($secrets.Keys)) {
            $changes.Add($secretName)
        }
        if ($null -ne $certificateFile -or $null -ne $certificateBase64) {
            $changes.Add('encryption-cert')
        }
        if ($tagArguments.Count -gt 0) {
            $changes.Add('tag')
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
            if ($null -ne $schedulerEnabled -and $PSBoundParameters.ContainsKey('IsBackupSchedulerEnabled')) {
                $override['IsBackupSchedulerEnabled'] = [bool]$schedulerEnabled
            }
            Start-AzsBackupJob -CommandName $MyInvocation.MyCommand.Name -BoundParameters $PSBoundParameters -Override $override -Exclude 'IsBackupSchedulerEnabledValue'
            return
        }

        $temporaryFiles = [System.Collections.Generic.List[string]]::new()
        try {
            if ($null -eq $certificateFile -and $null -ne $certificateBase64) {
                $certificateFile = New-AzsBackupTemporaryFile -Caller $PSCmdlet -Base64 $certificateBase64 -PropertyName 'EncryptionCertBase64' -Extension '.cer'
                $temporaryFiles.Add($certificateFile)
            }

            $engineArguments = [System.Collections.Generic.List[string]]::new()
            $engineArguments.Add('config')
            $engineArguments.Add('set')
            foreach ($option in $options.GetEnumerator()) {
                $engineArguments.Add([string]$option.Key)
                $engineArguments.Add([string]$option.Value)
            }
            $engineArguments.AddRange($tagArguments)
            if ($Force) {
                $engineArguments.Add('--create-path')
            }
            if ($null -ne $certificateFile) {
                $engineArguments.Add('--encryption-cert')
                $engineArguments.Add($certificateFile)
            }

            $data = Invoke-AzsBackupEngine -Caller $PSCmdlet -ArgumentList $engineArguments.ToArray() -Secret $secrets -Activity 'Set backup configuration'
            ConvertTo-AzsBackupLocation -InputObject $data
        }
        finally {
            Remove-AzsBackupTemporaryFile -Path $temporaryFiles.ToArray()
        }
    }
}
