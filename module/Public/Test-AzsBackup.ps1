function Test-AzsBackup {
    <#
    .SYNOPSIS
        Checks that a backup on the share is intact, without restoring it.

    .DESCRIPTION
        Without -DecryptionCertPath, reads every volume of the backup and its encrypted manifest
        from the share and compares each one's size and SHA-256 with what BackupInfo.json recorded
        (no key needed). With the .pfx of the encryption certificate (and -DecryptionCertPassword),
        also decrypts and authenticates every chunk and compares every file with the manifest:
        proof that a restore would succeed.

        Returns one AzsBackup.VerifyResult per role. A damaged backup is reported as an error
        (AzsBackup.IntegrityFailed) naming the role and the file on the share that is damaged;
        with several backups from the pipeline, the others are still checked.

    .PARAMETER Name
        The backup: its Name ('region/guid'), its GUID or its resource id. Tab completion offers
        the backups, newest first.

    .PARAMETER InputObject
        A backup from Get-AzsBackup, from the pipeline.

    .PARAMETER DecryptionCertPath
        The .pfx of the encryption certificate. With it every chunk is authenticated.

    .PARAMETER DecryptionCertPassword
        The password of the .pfx, as a SecureString.

    .PARAMETER DefaultProfile
        Azure context of the Az modules (aliases AzureRMContext, AzureCredential). Accepted for
        compatibility and ignored.

    .EXAMPLE
        PS> Get-AzsBackup | Select-Object -First 1 | Test-AzsBackup

        Checks the checksums of every volume of the newest backup.

    .EXAMPLE
        PS> Test-AzsBackup -Name $name -DecryptionCertPath ./backup.pfx -DecryptionCertPassword $pfxPassword

        Authenticates every chunk and file of the backup with the certificate's private key.

    .INPUTS
        AzsBackup.Backup

    .OUTPUTS
        AzsBackup.VerifyResult

    .LINK
        Get-AzsBackup

    .LINK
        Restore-AzsBackup
    #>
    [CmdletBinding(DefaultParameterSetName = 'Name', PositionalBinding = $false)]
    [OutputType('AzsBackup.VerifyResult')]
    param(
        [Parameter(ParameterSetName = 'Name', Mandatory, Position = 0)]
        [ValidateNotNullOrEmpty()]
        [string]
        $Name,

        [Parameter(ParameterSetName = 'InputObject', Mandatory, ValueFromPipeline)]
        [ValidateNotNull()]
        [psobject]
        $InputObject,

        [Parameter()]
        [ValidateNotNullOrEmpty()]
        [string]
        $DecryptionCertPath,

        [Parameter()]
        [ValidateNotNull()]
        [System.Security.SecureString]
        $DecryptionCertPassword,

        [Parameter()]
        [Alias('AzureRMContext', 'AzureCredential')]
        [ValidateNotNull()]
        [psobject]
        $DefaultProfile
    )

    process {
        Write-AzsBackupIgnoredParameter -BoundParameters $PSBoundParameters -Name 'DefaultProfile'
        $givenName = $Name
        if ($PSCmdlet.ParameterSetName -eq 'InputObject') {
            $givenName = $InputObject
        }
        $backupName = Resolve-AzsBackupName -InputObject $givenName
        if ([string]::IsNullOrWhiteSpace($backupName)) {
            $PSCmdlet.ThrowTerminatingError((New-AzsBackupErrorRecord -Message ("'{0}' does not name a backup: pass its GUID, 'region/guid', resource id or the backup object." -f $givenName) -ErrorId 'AzsBackup.InvalidParameter' -Category InvalidArgument -TargetObject $givenName -RecommendedAction 'List the backups with Get-AzsBackup and pass a BackupId or Name from it.'))
        }

        $engineArguments = [System.Collections.Generic.List[string]]::new()
        $engineArguments.Add('backup')
        $engineArguments.Add('verify')
        $engineArguments.Add($backupName)
        $secrets = [ordered]@{}
        if ($PSBoundParameters.ContainsKey('DecryptionCertPath')) {
            $pfxFile = Resolve-AzsBackupFileSystemPath -Caller $PSCmdlet -Path $DecryptionCertPath -MustExist -NotFoundMessage ('The specified decryption cert {0} does not exist' -f $DecryptionCertPath) -NotFoundErrorId 'AzsBackup.CertificateNotFound'
            $engineArguments.Add('--pfx')
            $engineArguments.Add($pfxFile)
            # A .pfx without a password is valid; the engine still reads one secrets line.
            $secrets['pfxPassword'] = ''
            if ($PSBoundParameters.ContainsKey('DecryptionCertPassword')) {
                $secrets['pfxPassword'] = $DecryptionCertPassword
            }
        }

        # One damaged or missing backup must not stop the check of the others in the pipeline.
        $result = Invoke-AzsBackupEngine -Caller $PSCmdlet -ArgumentList $engineArguments.ToArray() -Secret $secrets -Activity 'Verify backup' -NonTerminating
        if ($null -eq $result) {
            return
        }
        # The Name the operator knows ('region/guid'), when the input carries one.
        $displayName = $backupName
        $nameSource = $givenName
        if ($givenName -isnot [string]) {
            $nameSource = Get-AzsBackupMemberValue -InputObject $givenName -Name 'Name'
        }
        if ($nameSource -is [string] -and $nameSource -match '^[^/]+/[^/]+$') {
            $displayName = $nameSource
        }
        foreach ($role in (Get-AzsBackupMemberValue -InputObject $result -Name 'Roles')) {
            ConvertTo-AzsBackupVerifyResult -InputObject $role -Name $displayName
        }
    }
}
