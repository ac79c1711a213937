function Restore-AzsBackup {
    <#
    .SYNOPSIS
        Restores infrastructure role data from a backup.

    .DESCRIPTION
        Decrypts a backup with the private key of the certificate it was encrypted for (the .pfx
        and its password; the .pfx is never stored by AzsBackup) and restores every role, or
        only -RoleName. Backups made in the legacy key mode are restored with the stored key
        and need no .pfx. Every chunk is authenticated before anything is written; a wrong
        password (AzsBackup.DecryptionPasswordWrong), a .pfx for another certificate
        (AzsBackup.DecryptionCertMismatch) or damaged data (AzsBackup.IntegrityFailed) is a
        terminating error.

        By default data goes back to the path registered on this machine for the role of the
        same name (Add-AzsBackupRole); the path recorded in the backup is never used, and a role
        not registered here needs -DestinationPath. With -DestinationPath it is restored beside
        the originals, one folder per role under that directory, so it can be compared or copied
        by hand. Modes, times, symlinks and empty folders come back; owners too when run as root.
        Each role is written next to its destination and swapped in only once complete, so that
        volume must hold the restored roles beside what is there now: a restore that cannot fit
        stops with AzsBackup.RestoreSpaceLow before writing anything, and one that runs out of
        space while writing removes its partial copy and leaves the destination as it was.
        Write-Progress shows the bytes restored, overall and for each role, as files are written
        and checked against the manifest.

        As in Azs.Backup.Admin, the command asks for confirmation ("Restore from backup at
        location <location>?") unless -Force is given, honours -WhatIf and -Confirm, and returns
        $true with -PassThru. Where no prompt can be shown (pwsh -NonInteractive, a scheduled
        task, a job), a restore without -Force, like any of these commands run with -Confirm,
        stops with the terminating error AzsBackup.ConfirmationRequired and changes nothing.
        The backup can be named (GUID or 'region/guid'), piped in, or given
        by resource id; -RestoreOption takes the Az hashtable form
        @{ RoleName = ...; DecryptionCertBase64 = ...; DecryptionCertPassword = ... }.

    .PARAMETER Name
        The backup to restore: its GUID (BackupId) or 'region/guid' (Name).

    .PARAMETER Location
        Name of the backup location (the region). Accepted for compatibility and ignored.

    .PARAMETER ResourceGroupName
        Resource group of the backup location. Accepted for compatibility and ignored.

    .PARAMETER SubscriptionId
        Subscription of the backup location. Accepted for compatibility and ignored.

    .PARAMETER InputObject
        The backup to restore (from Get-AzsBackup), from the pipeline.

    .PARAMETER ResourceId
        Resource id of the backup (.../backupLocations/<region>/backups/<guid>). Alias: id.

    .PARAMETER RestoreOption
        Restore options as a hashtable or object with RoleName, DecryptionCertBase64 (the .pfx
        file as Base64) and DecryptionCertPassword (plain string or SecureString), as the Az
        module takes them.

    .PARAMETER DecryptionCertPath
        Path of the .pfx file (certificate with private key) matching the certificate the
        backup was encrypted for. The file must exist.

    .PARAMETER DecryptionCertPassword
        Password of the .pfx file, as a SecureString.

    .PARAMETER RoleName
        Restore only this role (for example KeyVault). Omit it to restore every role.

    .PARAMETER DestinationPath
        Restore into this directory (one folder per role) instead of over the roles' own paths.

    .PARAMETER Force
        Restores without asking for confirmation.

    .PARAMETER PassThru
        Returns $true when the restore has completed.

    .PARAMETER AsJob
        Runs the restore as a PowerShell job and returns the job. Confirmation is asked before
        the job starts.

    .PARAMETER NoWait
        Accepted for compatibility with Azs.Backup.Admin; the restore completes before the
        command returns (use -AsJob to run it in the background).

    .PARAMETER DefaultProfile
        Azure context of the Az modules (aliases AzureRMContext, AzureCredential). Accepted for
        compatibility and ignored.

    .EXAMPLE
        PS> $password = Read-Host -Prompt '.pfx password' -AsSecureString
        PS> Restore-AzsBackup -Name 'local/a8f1b7c2-4d13-4c7e-9a43-2c5e1d3f6b70' -DecryptionCertPath 'C:\certs\AzSIBCCert.pfx' -DecryptionCertPassword $password -Force

        Restores every role from the backup.

    .EXAMPLE
        PS> Get-AzsBackup -Top 1 | Restore-AzsBackup -DecryptionCertPath .\AzSIBCCert.pfx -DecryptionCertPassword $password -RoleName KeyVault -DestinationPath D:\restore -Force -PassThru

        Restores one role of the newest backup beside the originals and returns $true.

    .EXAMPLE
        PS> Restore-AzsBackup -Name $backup.Name -DecryptionCertPath .\AzSIBCCert.pfx -DecryptionCertPassword $password -WhatIf

        Shows what would be restored without changing anything.

    .INPUTS
        System.Management.Automation.PSObject

    .OUTPUTS
        System.Boolean

    .LINK
        Get-AzsBackup

    .LINK
        about_AzsBackup
    #>
    [CmdletBinding(DefaultParameterSetName = 'RestoreExpanded', SupportsShouldProcess, ConfirmImpact = 'Medium', PositionalBinding = $false)]
    [OutputType([bool])]
    param(
        [Parameter(ParameterSetName = 'Restore', Mandatory)]
        [Parameter(ParameterSetName = 'RestoreExpanded', Mandatory)]
        [ValidateNotNullOrEmpty()]
        [string]
        $Name,

        [Parameter(ParameterSetName = 'Restore')]
        [Parameter(ParameterSetName = 'RestoreExpanded')]
        [string]
        $Location,

        [Parameter(ParameterSetName = 'Restore')]
        [Parameter(ParameterSetName = 'RestoreExpanded')]
        [string]
        $ResourceGroupName,

        [Parameter(ParameterSetName = 'Restore')]
        [Parameter(ParameterSetName = 'RestoreExpanded')]
        [string]
        $SubscriptionId,

        [Parameter(ParameterSetName = 'RestoreViaIdentity', Mandatory, ValueFromPipeline)]
        [Parameter(ParameterSetName = 'RestoreViaIdentityExpanded', Mandatory, ValueFromPipeline)]
        [ValidateNotNull()]
        [psobject]
        $InputObject,

        [Parameter(ParameterSetName = 'ResourceId', Mandatory, ValueFromPipelineByPropertyName)]
        [Alias('id')]
        [ValidateNotNullOrEmpty()]
        [string]
        $ResourceId,

        [Parameter(ParameterSetName = 'Restore', Mandatory)]
        [Parameter(ParameterSetName = 'RestoreViaIdentity', Mandatory)]
        [ValidateNotNull()]
        [psobject]
        $RestoreOption,

        [Parameter(ParameterSetName = 'RestoreExpanded')]
        [Parameter(ParameterSetName = 'RestoreViaIdentityExpanded')]
        [Parameter(ParameterSetName = 'ResourceId')]
        [ValidateNotNullOrEmpty()]
        [string]
        $DecryptionCertPath,

        [Parameter(ParameterSetName = 'RestoreExpanded')]
        [Parameter(ParameterSetName = 'RestoreViaIdentityExpanded')]
        [Parameter(ParameterSetName = 'ResourceId')]
        [ValidateNotNull()]
        [System.Security.SecureString]
        $DecryptionCertPassword,

        [Parameter(ParameterSetName = 'RestoreExpanded')]
        [Parameter(ParameterSetName = 'RestoreViaIdentityExpanded')]
        [Parameter(ParameterSetName = 'ResourceId')]
        [AllowEmptyString()]
        [string]
        $RoleName,

        [Parameter()]
        [ValidateNotNullOrEmpty()]
        [string]
        $DestinationPath,

        [Parameter()]
        [switch]
        $Force,

        [Parameter()]
        [switch]
        $PassThru,

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
        Write-AzsBackupIgnoredParameter -BoundParameters $PSBoundParameters -Name 'Location', 'ResourceGroupName', 'SubscriptionId', 'NoWait', 'DefaultProfile'

        $backupName = $null
        $givenName = $null
        switch ($PSCmdlet.ParameterSetName) {
            { $_ -in @('Restore', 'RestoreExpanded') } {
                $givenName = $Name
                $backupName = Resolve-AzsBackupName -InputObject $Name
            }
            { $_ -in @('RestoreViaIdentity', 'RestoreViaIdentityExpanded') } {
                $givenName = $InputObject
                $backupName = Resolve-AzsBackupName -InputObject $InputObject
            }
            'ResourceId' {
                $givenName = $ResourceId
                $backupName = Resolve-AzsBackupName -InputObject $ResourceId
            }
        }
        if ([string]::IsNullOrWhiteSpace($backupName)) {
            $PSCmdlet.ThrowTerminatingError((New-AzsBackupErrorRecord -Message ("'{0}' does not name a backup: pass its GUID, 'region/guid', resource id or the backup object." -f $givenName) -ErrorId 'AzsBackup.InvalidParameter' -Category InvalidArgument -TargetObject $givenName -RecommendedAction 'List the backups with Get-AzsBackup and pass a BackupId or Name from it.'))
        }

        # Restore options: the Az hashtable form, or the expanded parameters.
        $restoreRole = $null
        $pfxFile = $null
        $pfxBase64 = $null
        $pfxPassword = $null
        if ($PSCmdlet.ParameterSetName -in @('Restore', 'RestoreViaIdentity')) {
            $restoreRole = [string](Get-AzsBackupMemberValue -InputObject $RestoreOption -Name 'RoleName')
            $pfxBase64 = [string](Get-AzsBackupMemberValue -InputObject $RestoreOption -Name 'DecryptionCertBase64')
            $pfxPassword = Get-AzsBackupMemberValue -InputObject $RestoreOption -Name 'DecryptionCertPassword'
        }
        else {
            if ($PSBoundParameters.ContainsKey('RoleName')) {
                $restoreRole = $RoleName
            }
            if ($PSBoundParameters.ContainsKey('DecryptionCertPath')) {
                $pfxFile = Resolve-AzsBackupFileSystemPath -Caller $PSCmdlet -Path $DecryptionCertPath -MustExist -NotFoundMessage ('The specified decryption cert {0} does not exist' -f $DecryptionCertPath) -NotFoundErrorId 'AzsBackup.CertificateNotFound'
            }
            if ($PSBoundParameters.ContainsKey('DecryptionCertPassword')) {
                $pfxPassword = $DecryptionCertPassword
            }
        }

        $destination = $null
        if ($PSBoundParameters.ContainsKey('DestinationPath')) {
            $destination = Resolve-AzsBackupFileSystemPath -Caller $PSCmdlet -Path $DestinationPath
        }

        $scope = 'all roles'
        if (-not [string]::IsNullOrWhiteSpace($restoreRole)) {
            $scope = 'role {0}' -f $restoreRole
        }
        $whereTo = "each role's own path"
        if ($null -ne $destination) {
            $whereTo = $destination
        }
        if (-not (Confirm-AzsBackupOperation -Caller $PSCmdlet -Target $backupName -Action ('Restore {0} to {1}' -f $scope, $whereTo))) {
            return
        }

        if (-not $Force) {
            # Reads the backup first: a missing backup fails before the prompt, and the prompt
            # names its location as Azs.Backup.Admin's does.
            $backupData = Invoke-AzsBackupEngine -Caller $PSCmdlet -ArgumentList 'backup', 'get', $backupName -Activity 'Get backup'
            $backupLocation = [string](Get-AzsBackupMemberValue -InputObject $backupData -Name 'Location')
            # Without a prompt (pwsh -NonInteractive, a scheduled task) this is a terminating
            # error that changes nothing: only -Force restores unattended.
            $question = 'Restore from backup at location {0}?' -f $backupLocation
            $caption = 'Performing operation restore using backup {0}.' -f $backupName
            if (-not (Confirm-AzsBackupOperation -Caller $PSCmdlet -Query $question -Caption $caption -RecommendedAction 'Run Restore-AzsBackup again with -Force to restore without a prompt (it replaces the data of the roles it restores), or with -WhatIf to see what it would restore.')) {
                return
            }
        }

        if ($AsJob) {
            $override = @{ Force = $true }
            if ($null -ne $pfxFile) {
                $override['DecryptionCertPath'] = $pfxFile
            }
            if ($null -ne $destination) {
                $override['DestinationPath'] = $destination
            }
            Start-AzsBackupJob -CommandName $MyInvocation.MyCommand.Name -BoundParameters $PSBoundParameters -Override $override
            return
        }

        $temporaryFiles = [System.Collections.Generic.List[string]]::new()
        try {
            if ($null -eq $pfxFile -and -not [string]::IsNullOrWhiteSpace($pfxBase64)) {
                $pfxFile = New-AzsBackupTemporaryFile -Caller $PSCmdlet -Base64 $pfxBase64 -PropertyName 'DecryptionCertBase64' -Extension '.pfx'
                $temporaryFiles.Add($pfxFile)
            }

            $engineArguments = [System.Collections.Generic.List[string]]::new()
            $engineArguments.Add('restore')
            $engineArguments.Add($backupName)
            $secrets = [ordered]@{}
            if ($null -ne $pfxFile) {
                $engineArguments.Add('--pfx')
                $engineArguments.Add($pfxFile)
                # A .pfx without a password is valid; the engine still reads one secrets line.
                $secrets['pfxPassword'] = ''
                if ($null -ne $pfxPassword) {
                    $secrets['pfxPassword'] = $pfxPassword
                }
            }
            if (-not [string]::IsNullOrWhiteSpace($restoreRole)) {
                $engineArguments.Add('--role')
                $engineArguments.Add($restoreRole)
            }
            if ($null -ne $destination) {
                $engineArguments.Add('--destination')
                $engineArguments.Add($destination)
            }

            $result = Invoke-AzsBackupEngine -Caller $PSCmdlet -ArgumentList $engineArguments.ToArray() -Secret $secrets -Activity 'Restore'
            if ($null -ne $result) {
                Write-Verbose -Message ('Restore result: {0}' -f (ConvertTo-Json -InputObject $result -Depth 6 -Compress))
            }
            if ($PassThru) {
                $true
            }
        }
        finally {
            Remove-AzsBackupTemporaryFile -Path $temporaryFiles.ToArray()
        }
    }
}
