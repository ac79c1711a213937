#Requires -Version 7.2
<#
    Behaviour of the module against the REAL engine binary and a REAL Samba share.

    The test runner passes the share and certificates in the environment:
      AZSB_TEST_UNC            UNC path of the share, e.g. \\127.0.0.1\backup
      AZSB_TEST_SHARE_DIR      the folder on this host that the share serves
      AZSB_TEST_USER           share account
      AZSB_TEST_PASSWORD       its password
      AZSBACKUP_SMB_PORT       SMB port of the test server (read by the engine itself)
      AZSB_TEST_CERT_CER       public certificate (.cer) for -EncryptionCertPath
      AZSB_TEST_CERT_PFX       the matching .pfx for restores
      AZSB_TEST_PFX_PASSWORD   its password
      AZSB_TEST_OTHER_PFX      a .pfx of another certificate (used as a wrong -EncryptionCertPath)
      AZSB_TEST_BLOB_ENDPOINT  a real Azurite account endpoint, http://127.0.0.1:<port>/<account>
      AZSB_TEST_BLOB_KEY       its account key
      AZSB_TEST_BLOB_SAS_URL   a container URL with a SAS (the container exists)
    The engine binary is found as the module finds it (AZSBACKUP_BINARY or binaries/<os>-<arch>).

    Every test runs with its own, fresh $env:AZSBACKUP_HOME under TestDrive. A missing variable
    fails the run: this suite is never skipped.
#>

BeforeDiscovery {
    # Every exported command in each of its parameter sets, and every exported alias: the last
    # Describe checks that each one ran for real somewhere above, so a new cmdlet or parameter
    # set cannot be added without a behaviour test.
    $manifest = Join-Path -Path $PSScriptRoot -ChildPath '../../AzsBackup.psd1'
    $module = Import-Module -Name $manifest -PassThru -Force -ErrorAction Stop
    $script:realCallCases = @(
        foreach ($command in $module.ExportedFunctions.Values) {
            foreach ($set in $command.ParameterSets) {
                @{ Key = '{0}|{1}' -f $command.Name, $set.Name }
            }
        }
        foreach ($alias in $module.ExportedAliases.Values) {
            @{ Key = 'alias|{0}' -f $alias.Name }
        }
    )
    $module | Remove-Module -Force
}

Describe 'AzsBackup behaviour against the engine and a Samba share' {
    BeforeAll {
        $repoRoot = (Resolve-Path -LiteralPath (Join-Path -Path $PSScriptRoot -ChildPath '../..')).ProviderPath
        Get-Module -Name 'AzsBackup' | Remove-Module -Force
        Import-Module -Name (Join-Path -Path $repoRoot -ChildPath 'AzsBackup.psd1') -Force -ErrorAction Stop

        foreach ($variableName in @('AZSB_TEST_UNC', 'AZSB_TEST_SHARE_DIR', 'AZSB_TEST_USER', 'AZSB_TEST_PASSWORD', 'AZSB_TEST_CERT_CER', 'AZSB_TEST_CERT_PFX', 'AZSB_TEST_PFX_PASSWORD', 'AZSB_TEST_OTHER_PFX', 'AZSB_TEST_BLOB_ENDPOINT', 'AZSB_TEST_BLOB_KEY', 'AZSB_TEST_BLOB_SAS_URL')) {
            if ([string]::IsNullOrEmpty([System.Environment]::GetEnvironmentVariable($variableName))) {
                throw "The behaviour tests need the environment variable $variableName (see the header of this file)."
            }
        }

        # Records each real run of an exported command: a command breakpoint fires as the
        # module's own function enters a block, and that frame's $PSCmdlet names the parameter set
        # PowerShell bound. A Pester mock of the same name lives outside module/Public and is not
        # counted.
        $global:AzsBackupRealCalls = [System.Collections.Generic.HashSet[string]]::new([System.StringComparer]::OrdinalIgnoreCase)
        $script:realCallBreakpoints = foreach ($commandName in (Get-Module -Name 'AzsBackup').ExportedFunctions.Keys) {
            Set-PSBreakpoint -Command $commandName -Action {
                $frame = Get-PSCallStack | Where-Object -FilterScript { $_.ScriptName -match '[\\/]module[\\/]Public[\\/][^\\/]+\.ps1$' } | Select-Object -First 1
                if ($null -ne $frame) {
                    $cmdlet = $frame.GetFrameVariables()['PSCmdlet']
                    if ($null -ne $cmdlet) {
                        $null = $global:AzsBackupRealCalls.Add(('{0}|{1}' -f $frame.InvocationInfo.MyCommand.Name, $cmdlet.Value.ParameterSetName))
                    }
                    $invokedAs = $frame.InvocationInfo.InvocationName
                    if ($invokedAs -and $invokedAs -ne $frame.InvocationInfo.MyCommand.Name) {
                        $null = $global:AzsBackupRealCalls.Add(('alias|{0}' -f $invokedAs))
                    }
                }
            }
        }

        $script:contract = Get-Content -LiteralPath (Join-Path -Path $repoRoot -ChildPath 'tests/contract/cmdlets.json') -Raw | ConvertFrom-Json
        $script:unc = $env:AZSB_TEST_UNC
        $script:shareUser = $env:AZSB_TEST_USER
        $script:sharePassword = ConvertTo-SecureString -String $env:AZSB_TEST_PASSWORD -AsPlainText -Force
        $script:wrongSharePassword = ConvertTo-SecureString -String ('wrong-' + [guid]::NewGuid().ToString('N')) -AsPlainText -Force
        $script:cerPath = $env:AZSB_TEST_CERT_CER
        $script:pfxPath = $env:AZSB_TEST_CERT_PFX
        $script:pfxPassword = ConvertTo-SecureString -String $env:AZSB_TEST_PFX_PASSWORD -AsPlainText -Force
        $script:wrongPfxPassword = ConvertTo-SecureString -String ('wrong-' + [guid]::NewGuid().ToString('N')) -AsPlainText -Force
        $script:otherPfxPath = $env:AZSB_TEST_OTHER_PFX
        $script:previousHome = $env:AZSBACKUP_HOME

        function New-TestHome {
            $path = Join-Path -Path $TestDrive -ChildPath ('home-{0}' -f [guid]::NewGuid().ToString('N'))
            $null = New-Item -ItemType Directory -Path $path
            $env:AZSBACKUP_HOME = $path
            return $path
        }

        function New-RoleData {
            # A role directory with text, random binary and nested files.
            param([Parameter(Mandatory)] [string] $Name)
            $root = Join-Path -Path $TestDrive -ChildPath ('roles-{0}/{1}' -f [guid]::NewGuid().ToString('N'), $Name)
            $null = New-Item -ItemType Directory -Path (Join-Path -Path $root -ChildPath 'deep/nested') -Force
            Set-Content -LiteralPath (Join-Path -Path $root -ChildPath 'settings.json') -Value ('{{"role":"{0}","at":"{1:o}"}}' -f $Name, [datetime]::UtcNow) -Encoding utf8NoBOM
            [System.IO.File]::WriteAllBytes((Join-Path -Path $root -ChildPath 'data.bin'), [System.Security.Cryptography.RandomNumberGenerator]::GetBytes(300000))
            [System.IO.File]::WriteAllBytes((Join-Path -Path $root -ChildPath 'deep/nested/blob.dat'), [System.Security.Cryptography.RandomNumberGenerator]::GetBytes(4096))
            $null = New-Item -ItemType File -Path (Join-Path -Path $root -ChildPath 'empty.txt')
            return $root
        }

        function Get-RelativeFileHash {
            # relative path ('/' separated) -> SHA256 of every file under a directory
            param([Parameter(Mandatory)] [string] $Root)
            $table = @{}
            $rootFull = (Resolve-Path -LiteralPath $Root).ProviderPath
            foreach ($file in @(Get-ChildItem -LiteralPath $rootFull -Recurse -File)) {
                $relative = [System.IO.Path]::GetRelativePath($rootFull, $file.FullName).Replace('\', '/')
                $table[$relative] = (Get-FileHash -LiteralPath $file.FullName -Algorithm SHA256).Hash
            }
            return $table
        }

        function Assert-RestoredCopy {
            # Every original file has a byte-identical copy somewhere under the restore directory
            # (the engine puts each role in its own folder there).
            param([Parameter(Mandatory)] [string] $Original, [Parameter(Mandatory)] [string] $Restored)
            $originalFiles = Get-RelativeFileHash -Root $Original
            $restoredFiles = Get-RelativeFileHash -Root $Restored
            $originalFiles.Count | Should -BeGreaterThan 0
            foreach ($relative in $originalFiles.Keys) {
                $candidates = @($restoredFiles.Keys | Where-Object -FilterScript { $_ -eq $relative -or $_.EndsWith('/' + $relative) })
                $candidates.Count | Should -BeGreaterOrEqual 1 -Because "$relative must be restored"
                $restoredFiles[$candidates[0]] | Should -Be $originalFiles[$relative] -Because "$relative must be restored byte for byte"
            }
        }

        function Invoke-InOwnRunspace {
            # A runspace of its own records every progress record the host would draw. Imports the
            # module, runs the script with the arguments, requires no error; returns the output
            # and the progress records.
            param([Parameter(Mandatory)] [string] $Script, [object[]] $ArgumentList = @())
            $shell = [powershell]::Create()
            try {
                $null = $shell.AddScript("param(`$Manifest) Import-Module -Name `$Manifest; & { $Script } @args").AddArgument((Join-Path -Path $repoRoot -ChildPath 'AzsBackup.psd1'))
                foreach ($argument in $ArgumentList) {
                    $null = $shell.AddArgument($argument)
                }
                $output = @($shell.Invoke())
                $shell.Streams.Error.Count | Should -Be 0
                return [pscustomobject]@{ Output = $output; Progress = @($shell.Streams.Progress) }
            }
            finally {
                $shell.Dispose()
            }
        }

        function Assert-RoleProgress {
            # Byte statuses on the overall bar, which ends at 100 %; one bar per role that reaches
            # 100 % with a byte status; Completed last.
            param([Parameter(Mandatory)] [object[]] $Records, [Parameter(Mandatory)] [string[]] $Roles)
            $overall = @($Records | Where-Object -FilterScript { $_.ActivityId -eq 1 -and $_.RecordType -eq 'Processing' })
            @($overall | Where-Object -FilterScript { $_.StatusDescription -match '^\d+(\.\d+)? (B|KB|MB) of \d+(\.\d+)? (KB|MB)' }).Count | Should -BeGreaterThan 0
            $overall[-1].PercentComplete | Should -Be 100
            $perRole = @($Records | Where-Object -FilterScript { $_.ActivityId -eq 2 -and $_.ParentActivityId -eq 1 -and $_.RecordType -eq 'Processing' })
            @($perRole.Activity | Select-Object -Unique) | Should -Be @($Roles | ForEach-Object -Process { 'Role {0}' -f $_ })
            @($perRole | Where-Object -FilterScript { $_.PercentComplete -eq 100 -and $_.StatusDescription -match ' of ' }).Count | Should -BeGreaterOrEqual $Roles.Count
            $Records[-1].RecordType | Should -Be 'Completed'
            return $overall
        }

        function Set-TestConfiguration {
            param([int] $Frequency = 12, [int] $Retention = 7)
            Set-AzsBackupConfiguration -Path $script:unc -UserName $script:shareUser -Password $script:sharePassword -EncryptionCertPath $script:cerPath -BackupFrequencyInHours $Frequency -BackupRetentionPeriodInDays $Retention -ErrorAction Stop
        }

        function Get-ConfigurationSnapshot {
            # The settings a failed change must not touch, as one comparable string.
            $location = Get-AzsBackupConfiguration -ErrorAction Stop
            return ($location | Select-Object -Property Path, UserName, EncryptionCertThumbprint, BackupFrequencyInHours, BackupRetentionPeriodInDays, IsBackupSchedulerEnabled | ConvertTo-Json -Compress)
        }

        function Get-TerminatingError {
            param([Parameter(Mandatory)] [scriptblock] $ScriptBlock)
            try {
                $null = & $ScriptBlock
            }
            catch {
                return $_
            }
            return $null
        }

        function Assert-AzsBackupError {
            param(
                [AllowNull()] [System.Management.Automation.ErrorRecord] $Record,
                [Parameter(Mandatory)] [string] $ErrorId,
                [Parameter(Mandatory)] [string] $Category
            )
            $Record | Should -Not -BeNullOrEmpty -Because "a terminating $ErrorId error was expected"
            $Record.FullyQualifiedErrorId | Should -BeLike "$ErrorId,*"
            [string]$Record.CategoryInfo.Category | Should -Be $Category
            $Record.Exception.Message | Should -Not -BeNullOrEmpty
        }
    }

    BeforeEach {
        $null = New-TestHome
    }

    AfterAll {
        $script:realCallBreakpoints | Remove-PSBreakpoint
        $env:AZSBACKUP_HOME = $script:previousHome
        Get-Module -Name 'AzsBackup' | Remove-Module -Force
    }

    Context 'configure, back up, list, restore' {
        It 'restores a role byte for byte beside the originals' {
            $configured = Set-TestConfiguration
            $configured.PSObject.TypeNames[0] | Should -Be 'AzsBackup.BackupLocation'
            $configured.Path | Should -Be $script:unc
            $configured.Password | Should -BeNullOrEmpty
            $configured.EncryptionCertBase64 | Should -BeNullOrEmpty
            $configured.EncryptionCertThumbprint | Should -Match '^[0-9A-F]{40}$'

            $roleData = New-RoleData -Name 'KeyVault'
            $role = Add-AzsBackupRole -Name 'KeyVault' -Path $roleData
            $role.PSObject.TypeNames[0] | Should -Be 'AzsBackup.BackupRole'
            @(Get-AzsBackupRole).Name | Should -Contain 'KeyVault'

            $backup = Start-AzsBackup
            $backup.PSObject.TypeNames[0] | Should -Be 'AzsBackup.Backup'
            $backup.PSObject.TypeNames | Should -Contain 'Microsoft.Azure.PowerShell.Cmdlets.BackupAdmin.Models.Api20180901.Backup'
            $backup.Status | Should -Be 'Succeeded'
            $backup.Status -eq 'Succeeded' | Should -BeTrue
            [string]$backup.Status | Should -BeExactly 'Succeeded'
            $backup.Name | Should -Match '^[^/]+/[0-9a-fA-F-]{36}$'
            $backup.BackupId | Should -Be ($backup.Name -split '/')[-1]
            $backup.CreatedDateTime | Should -BeOfType [datetime]
            $backup.CreatedDateTime.Kind | Should -Be 'Utc'
            $backup.TimeTakenToCreate | Should -Match '^P'
            $backup.EncryptionCertThumbprint | Should -Be $configured.EncryptionCertThumbprint
            "$($backup.RoleStatus[0])" | Should -Be 'KeyVault'
            $backup.RoleStatus[0].Status | Should -Be 'Succeeded'
            foreach ($propertyName in $script:contract.types.'AzsBackup.Backup'.properties) {
                $backup.PSObject.Properties.Name | Should -Contain $propertyName
            }

            @(Get-AzsBackup).BackupId | Should -Contain $backup.BackupId

            $destination = Join-Path -Path $TestDrive -ChildPath 'restore-all'
            $restored = Restore-AzsBackup -Name $backup.Name -DecryptionCertPath $script:pfxPath -DecryptionCertPassword $script:pfxPassword -DestinationPath $destination -Force -PassThru
            $restored | Should -BeTrue
            Assert-RestoredCopy -Original $roleData -Restored $destination
        }

        It 'restores a single role with -RoleName, from a piped backup' {
            $null = Set-TestConfiguration
            $keyVault = New-RoleData -Name 'KeyVault'
            $network = New-RoleData -Name 'NRP'
            $null = Add-AzsBackupRole -Name 'KeyVault' -Path $keyVault
            $null = Add-AzsBackupRole -Name 'NRP' -Path $network
            $backup = Start-AzsBackup
            @($backup.RoleStatus.RoleName) | Should -Contain 'NRP'

            $destination = Join-Path -Path $TestDrive -ChildPath 'restore-one'
            $backup | Restore-AzsBackup -DecryptionCertPath $script:pfxPath -DecryptionCertPassword $script:pfxPassword -RoleName 'NRP' -DestinationPath $destination -Force
            Assert-RestoredCopy -Original $network -Restored $destination
            @(Get-ChildItem -LiteralPath $destination -Recurse -File | Where-Object -FilterScript { $_.FullName -match 'KeyVault' }).Count | Should -Be 0
        }

        It 'restores with the Az -RestoreOption hashtable' {
            $null = Set-TestConfiguration
            $roleData = New-RoleData -Name 'WAS'
            $null = Add-AzsBackupRole -Name 'WAS' -Path $roleData
            $backup = Start-AzsBackup
            $destination = Join-Path -Path $TestDrive -ChildPath 'restore-option'
            $option = @{
                RoleName               = 'WAS'
                DecryptionCertBase64   = [System.Convert]::ToBase64String([System.IO.File]::ReadAllBytes($script:pfxPath))
                DecryptionCertPassword = $env:AZSB_TEST_PFX_PASSWORD
            }
            Restore-AzsBackup -Name $backup.BackupId -RestoreOption $option -DestinationPath $destination -Force
            Assert-RestoredCopy -Original $roleData -Restored $destination
        }
    }

    Context 'legacy forms' {
        It 'Set-AzsBackupShare -BackupShare configures the share and warns twice' {
            $warnings = $null
            $null = Set-AzsBackupShare -BackupShare $script:unc -Username $script:shareUser -Password $script:sharePassword -EncryptionCertPath $script:cerPath -WarningVariable warnings -WarningAction SilentlyContinue
            ($warnings | Out-String) | Should -BeLike '*Set-AzsBackupShare has been deprecated, please use Set-AzsBackupConfiguration*'
            ($warnings | Out-String) | Should -BeLike '*BackupShare*Path*'
            (Get-AzsBackupConfiguration).Path | Should -Be $script:unc
        }

        It 'Get-AzsBackupLocation returns the configuration and warns' {
            $null = Set-TestConfiguration
            $warnings = $null
            $location = Get-AzsBackupLocation -WarningVariable warnings -WarningAction SilentlyContinue
            ($warnings | Out-String) | Should -BeLike '*Get-AzsBackupLocation has been deprecated, please use Get-AzsBackupConfiguration*'
            $location.PSObject.TypeNames[0] | Should -Be 'AzsBackup.BackupLocation'
            $location.Path | Should -Be $script:unc
        }

        It '-IsBackupSchedulerEnabled works as $false, $true, :$false and a bare switch, changing nothing else' {
            $null = Set-TestConfiguration -Frequency 6 -Retention 3
            (Set-AzsBackupConfiguration -IsBackupSchedulerEnabled $false).IsBackupSchedulerEnabled | Should -BeFalse
            (Set-AzsBackupConfiguration -IsBackupSchedulerEnabled $true).IsBackupSchedulerEnabled | Should -BeTrue
            (Set-AzsBackupConfiguration -IsBackupSchedulerEnabled:$false).IsBackupSchedulerEnabled | Should -BeFalse
            $final = Set-AzsBackupConfiguration -IsBackupSchedulerEnabled
            $final.IsBackupSchedulerEnabled | Should -BeTrue
            $final.BackupFrequencyInHours | Should -Be 6
            $final.BackupRetentionPeriodInDays | Should -Be 3
            $final.Path | Should -Be $script:unc
        }

        It 'a stray positional value without -IsBackupSchedulerEnabled is an error' {
            $null = Set-TestConfiguration
            $record = Get-TerminatingError -ScriptBlock { Set-AzsBackupConfiguration 'oops' }
            Assert-AzsBackupError -Record $record -ErrorId 'AzsBackup.InvalidParameter' -Category 'InvalidArgument'
        }

        It 'applies a modified location object piped from Get-AzsBackupConfiguration' {
            $null = Set-TestConfiguration
            $location = Get-AzsBackupConfiguration
            $location.BackupFrequencyInHours = 8
            $location.BackupRetentionPeriodInDays = 4
            $location.Password = $env:AZSB_TEST_PASSWORD
            $updated = $location | Set-AzsBackupConfiguration
            $updated.BackupFrequencyInHours | Should -Be 8
            $updated.BackupRetentionPeriodInDays | Should -Be 4
            $updated.Path | Should -Be $script:unc
            $updated.Password | Should -BeNullOrEmpty
        }

        It 'Start-AzsBackup -Force, -Top 1 and -Top ''1'', -Name region/guid and guid' {
            $null = Set-TestConfiguration
            $null = Add-AzsBackupRole -Name 'KeyVault' -Path (New-RoleData -Name 'KeyVault')
            $first = Start-AzsBackup -Force
            $second = Start-AzsBackup -Force
            $second.Status | Should -Be 'Succeeded'

            @(Get-AzsBackup -Top 1).Count | Should -Be 1
            @(Get-AzsBackup -Top '1').Count | Should -Be 1
            @(Get-AzsBackup -Top 1 -Skip '1').Count | Should -Be 1

            (Get-AzsBackup -Name $first.Name).BackupId | Should -Be $first.BackupId
            (Get-AzsBackup -Name $first.BackupId).BackupId | Should -Be $first.BackupId
            ($first | Get-AzsBackup).BackupId | Should -Be $first.BackupId
            @(Get-AzsBackupConfiguration | Get-AzsBackup).BackupId | Should -Contain $second.BackupId
        }

        It 'legacy key mode: New-AzsEncryptionKeyBase64, -EncryptionKey warns, backups restore with the key, and a certificate closes the mode' {
            $key = New-AzsEncryptionKeyBase64
            $key | Should -BeOfType [string]
            $key.Length | Should -Be 88
            { [System.Convert]::FromBase64String($key) } | Should -Not -Throw

            $secureKey = ConvertTo-SecureString -String $key -AsPlainText -Force
            $warnings = $null
            $null = Set-AzsBackupConfiguration -Path $script:unc -UserName $script:shareUser -Password $script:sharePassword -EncryptionKey $secureKey -WarningVariable warnings -WarningAction SilentlyContinue -ErrorAction Stop
            ($warnings | Out-String) | Should -BeLike '*EncryptionKey*deprecated*'

            $roleData = New-RoleData -Name 'ECE'
            $null = Add-AzsBackupRole -Name 'ECE' -Path $roleData
            $backup = Start-AzsBackup
            $backup.Status | Should -Be 'Succeeded'
            $destination = Join-Path -Path $TestDrive -ChildPath 'restore-key'
            Restore-AzsBackup -Name $backup.Name -DestinationPath $destination -Force
            Assert-RestoredCopy -Original $roleData -Restored $destination

            $null = Set-AzsBackupConfiguration -EncryptionCertPath $script:cerPath
            $before = Get-ConfigurationSnapshot
            $record = Get-TerminatingError -ScriptBlock { Set-AzsBackupConfiguration -EncryptionKey $secureKey -WarningAction SilentlyContinue }
            Assert-AzsBackupError -Record $record -ErrorId 'AzsBackup.EncryptionKeyModeClosed' -Category 'InvalidOperation'
            Get-ConfigurationSnapshot | Should -Be $before
        }
    }

    Context 'Az identity and resource-id forms' {
        BeforeEach {
            $null = Set-TestConfiguration
            $script:identityRole = New-RoleData -Name 'KeyVault'
            $null = Add-AzsBackupRole -Name 'KeyVault' -Path $script:identityRole
            $script:location = Get-AzsBackupConfiguration
        }

        It 'Get-AzsBackupConfiguration by -Top (List), piped location (GetViaIdentity) and -ResourceId' {
            $listed = @(Get-AzsBackupConfiguration -Top 1 -Skip '0')
            $listed.Count | Should -Be 1
            $listed[0].Id | Should -Be $script:location.Id
            @(Get-AzsBackupConfiguration -Skip 1).Count | Should -Be 0
            ($script:location | Get-AzsBackupConfiguration).Path | Should -Be $script:unc
            (Get-AzsBackupConfiguration -ResourceId $script:location.Id).Path | Should -Be $script:unc
        }

        It 'Start-AzsBackup from a piped location (CreateViaIdentity) and by -ResourceId; Get-AzsBackup -ResourceId' {
            $viaIdentity = $script:location | Start-AzsBackup
            $viaIdentity.Status | Should -Be 'Succeeded'
            $viaResourceId = Start-AzsBackup -ResourceId $script:location.Id
            $viaResourceId.Status | Should -Be 'Succeeded'
            $viaResourceId.BackupId | Should -Not -Be $viaIdentity.BackupId
            $viaResourceId.Id | Should -Match '/backupLocations/[^/]+/backups/[0-9a-fA-F-]{36}$'
            (Get-AzsBackup -ResourceId $viaResourceId.Id).BackupId | Should -Be $viaResourceId.BackupId
            @(Get-AzsBackup).BackupId | Should -Contain $viaIdentity.BackupId
        }

        It 'Set-AzsBackupConfiguration -ResourceId changes the setting it is given' {
            $updated = Set-AzsBackupConfiguration -ResourceId $script:location.Id -BackupFrequencyInHours 9
            $updated.BackupFrequencyInHours | Should -Be 9
            (Get-AzsBackupConfiguration).BackupFrequencyInHours | Should -Be 9
            (Get-AzsBackupConfiguration).Path | Should -Be $script:unc
        }

        It 'Restore-AzsBackup -InputObject with -RestoreOption (RestoreViaIdentity) and by -ResourceId' {
            $backup = Start-AzsBackup
            $option = @{
                RoleName               = 'KeyVault'
                DecryptionCertBase64   = [System.Convert]::ToBase64String([System.IO.File]::ReadAllBytes($script:pfxPath))
                DecryptionCertPassword = $env:AZSB_TEST_PFX_PASSWORD
            }
            $viaIdentity = Join-Path -Path $TestDrive -ChildPath ('restore-identity-{0}' -f [guid]::NewGuid().ToString('N'))
            Restore-AzsBackup -InputObject $backup -RestoreOption $option -DestinationPath $viaIdentity -Force
            Assert-RestoredCopy -Original $script:identityRole -Restored $viaIdentity

            $viaResourceId = Join-Path -Path $TestDrive -ChildPath ('restore-resourceid-{0}' -f [guid]::NewGuid().ToString('N'))
            Restore-AzsBackup -ResourceId $backup.Id -DecryptionCertPath $script:pfxPath -DecryptionCertPassword $script:pfxPassword -DestinationPath $viaResourceId -Force
            Assert-RestoredCopy -Original $script:identityRole -Restored $viaResourceId
        }

        It 'Invoke-AzsPruneBackupLocationExternalStore with -Option (Prune), a piped location (PruneViaIdentityExpanded) and both (PruneViaIdentity)' {
            $kept = Start-AzsBackup
            $viaOption = Invoke-AzsPruneBackupLocationExternalStore -Option @{ OperationType = 'DryRun' } -PassThru
            $viaOption.PSObject.TypeNames[0] | Should -Be 'AzsBackup.PruneList'
            $viaOption.Deleted | Should -BeFalse
            $viaIdentity = $script:location | Invoke-AzsPruneBackupLocationExternalStore -OperationType DryRun -PassThru
            $viaIdentity.Deleted | Should -BeFalse
            $both = Invoke-AzsPruneBackupLocationExternalStore -InputObject $script:location -Option @{ OperationType = 'DryRun' } -PassThru
            $both.Deleted | Should -BeFalse
            @(Get-AzsBackup).BackupId | Should -Contain $kept.BackupId
        }
    }

    Context '-AsJob' {
        It 'Start-AzsBackup -AsJob returns a job whose output is the Backup' {
            $null = Set-TestConfiguration
            $null = Add-AzsBackupRole -Name 'KeyVault' -Path (New-RoleData -Name 'KeyVault')
            $job = Start-AzsBackup -AsJob
            try {
                $job | Should -BeOfType [System.Management.Automation.Job]
                $null = $job | Wait-Job -Timeout 600
                $job.State | Should -Be 'Completed'
                $backup = @($job | Receive-Job)
                $backup.Count | Should -Be 1
                $backup[0].PSObject.TypeNames -match 'AzsBackup\.Backup$' | Should -Not -BeNullOrEmpty
                $backup[0].Status | Should -Be 'Succeeded'
                @(Get-AzsBackup).BackupId | Should -Contain $backup[0].BackupId
            }
            finally {
                $job | Remove-Job -Force
            }
        }

        It 'Set-AzsBackupConfiguration -AsJob passes SecureStrings and returns the location' {
            $job = Set-AzsBackupConfiguration -Path $script:unc -UserName $script:shareUser -Password $script:sharePassword -EncryptionCertPath $script:cerPath -BackupFrequencyInHours 5 -AsJob
            try {
                $null = $job | Wait-Job -Timeout 300
                $location = @($job | Receive-Job)
                $location.Count | Should -Be 1
                $location[0].BackupFrequencyInHours | Should -Be 5
                (Get-AzsBackupConfiguration).Path | Should -Be $script:unc
            }
            finally {
                $job | Remove-Job -Force
            }
        }
    }

    Context '-WhatIf changes nothing' {
        BeforeEach {
            $null = Set-TestConfiguration
            $script:whatIfRole = New-RoleData -Name 'KeyVault'
            $null = Add-AzsBackupRole -Name 'KeyVault' -Path $script:whatIfRole
        }

        It 'Set-AzsBackupConfiguration -WhatIf' {
            $before = Get-ConfigurationSnapshot
            Set-AzsBackupConfiguration -BackupFrequencyInHours 5 -BackupRetentionPeriodInDays 2 -IsBackupSchedulerEnabled $false -WhatIf
            Get-ConfigurationSnapshot | Should -Be $before
        }

        It 'Start-AzsBackup -WhatIf' {
            $before = @(Get-AzsBackup).Count
            Start-AzsBackup -WhatIf | Should -BeNullOrEmpty
            @(Get-AzsBackup).Count | Should -Be $before
        }

        It 'Restore-AzsBackup -WhatIf' {
            $backup = Start-AzsBackup
            $destination = Join-Path -Path $TestDrive -ChildPath 'restore-whatif'
            Restore-AzsBackup -Name $backup.Name -DecryptionCertPath $script:pfxPath -DecryptionCertPassword $script:pfxPassword -DestinationPath $destination -WhatIf
            Test-Path -LiteralPath $destination | Should -BeFalse
        }

        It 'role, schedule and prune cmdlets -WhatIf' {
            $before = Get-ConfigurationSnapshot
            Add-AzsBackupRole -Name 'NRP' -Path (New-RoleData -Name 'NRP') -WhatIf
            Remove-AzsBackupRole -Name 'KeyVault' -WhatIf
            Disable-AzsBackupSchedule -WhatIf
            Invoke-AzsPruneBackupLocationExternalStore -WhatIf | Should -BeNullOrEmpty
            (@(Get-AzsBackupRole).Name -join ',') | Should -Be 'KeyVault'
            Get-ConfigurationSnapshot | Should -Be $before
        }
    }

    Context 'an unconfirmed change changes nothing (pwsh -NonInteractive)' {
        BeforeAll {
            # Each command runs in a fresh `pwsh -NonInteractive -File`, as a scheduled task runs
            # it: no try/catch around it. Inside Pester's own try/catch a statement-terminating
            # error from a prompt that cannot be shown would stop the cmdlet anyway and hide the
            # very fault these tests are about.
            $script:childPwsh = @([System.Environment]::ProcessPath)
            if ([System.IO.Path]::GetFileNameWithoutExtension($script:childPwsh[0]) -eq 'dotnet') {
                $script:childPwsh += Join-Path -Path $PSHOME -ChildPath 'pwsh.dll'
            }
            $script:childManifest = Join-Path -Path $repoRoot -ChildPath 'AzsBackup.psd1'

            function Invoke-NonInteractive {
                # Returns the child's output; every error it met is printed as ERRORID=, MESSAGE=
                # and ACTION= lines.
                param([Parameter(Mandatory)] [string] $Command)
                $file = Join-Path -Path $TestDrive -ChildPath ('noninteractive-{0}.ps1' -f [guid]::NewGuid().ToString('N'))
                $body = @(
                    '$PSStyle.OutputRendering = [System.Management.Automation.OutputRendering]::PlainText'
                    ("Import-Module -Name '{0}' -ErrorAction Stop" -f $script:childManifest.Replace("'", "''"))
                    '$pfxPassword = ConvertTo-SecureString -String $env:AZSB_TEST_PFX_PASSWORD -AsPlainText -Force'
                    '$Error.Clear()'
                    $Command
                    'foreach ($record in @($Error)) { "ERRORID=$($record.FullyQualifiedErrorId)"; "MESSAGE=$($record.Exception.Message)"; if ($null -ne $record.ErrorDetails) { "ACTION=$($record.ErrorDetails.RecommendedAction)" } }'
                    "'CHILD-END'"
                )
                Set-Content -LiteralPath $file -Value $body -Encoding utf8NoBOM
                $arguments = @($script:childPwsh | Select-Object -Skip 1) + @('-NoLogo', '-NoProfile', '-NonInteractive', '-File', $file)
                $output = & $script:childPwsh[0] @arguments 2>&1 | Out-String
                $output | Should -Match 'CHILD-END' -Because "the child session must run to its end:`n$output"
                return $output
            }

            function Assert-NotConfirmed {
                param([Parameter(Mandatory)] [string] $Output, [Parameter(Mandatory)] [string] $CommandName, [Parameter(Mandatory)] [string] $Remedy)
                $Output | Should -Match ('ERRORID=AzsBackup\.ConfirmationRequired,{0}' -f [regex]::Escape($CommandName)) -Because "an unconfirmed $CommandName must fail:`n$Output"
                $Output | Should -Match 'MESSAGE=.*Nothing was changed'
                $Output | Should -Match ('ACTION=.*{0}' -f [regex]::Escape($Remedy))
            }
        }

        AfterEach {
            foreach ($name in @('AZSB_CHILD_PATH', 'AZSB_CHILD_BACKUP', 'AZSB_CHILD_FILE')) {
                Remove-Item -LiteralPath ('Env:{0}' -f $name) -ErrorAction Ignore
            }
        }

        It 'Restore-AzsBackup without -Force restores nothing and says to use -Force' {
            $null = Set-TestConfiguration
            $roleRoot = Join-Path -Path $TestDrive -ChildPath ('confirm-{0}/KeyVault' -f [guid]::NewGuid().ToString('N'))
            $null = New-Item -ItemType Directory -Path $roleRoot
            $aFile = Join-Path -Path $roleRoot -ChildPath 'a.txt'
            $lateFile = Join-Path -Path $roleRoot -ChildPath 'late.txt'
            Set-Content -LiteralPath $aFile -Value 'v1'
            $null = Add-AzsBackupRole -Name 'KeyVault' -Path $roleRoot
            $env:AZSB_CHILD_BACKUP = (Start-AzsBackup).Name
            Set-Content -LiteralPath $aFile -Value 'v2'
            Set-Content -LiteralPath $lateFile -Value 'made after the backup'
            $restore = 'Restore-AzsBackup -Name $env:AZSB_CHILD_BACKUP -DecryptionCertPath $env:AZSB_TEST_CERT_PFX -DecryptionCertPassword $pfxPassword'

            $output = Invoke-NonInteractive -Command $restore
            Get-Content -LiteralPath $aFile | Should -Be 'v2' -Because "nothing may be restored without confirmation:`n$output"
            Test-Path -LiteralPath $lateFile | Should -BeTrue
            Assert-NotConfirmed -Output $output -CommandName 'Restore-AzsBackup' -Remedy '-Force'

            # The same restore with -Force runs, in the same kind of session.
            $output = Invoke-NonInteractive -Command ($restore + ' -Force')
            $output | Should -Not -Match 'ERRORID='
            Get-Content -LiteralPath $aFile | Should -Be 'v1'
        }

        It '<Command> -Confirm changes nothing; -Confirm:$false does' -ForEach @(
            @{
                Command  = 'Add-AzsBackupRole -Name NRP -Path $env:AZSB_CHILD_PATH'
                Name     = 'Add-AzsBackupRole'
                Arrange  = { $env:AZSB_CHILD_PATH = New-RoleData -Name 'NRP' }
                Snapshot = { (@(Get-AzsBackupRole | ForEach-Object -Process { $_.Name }) | Sort-Object) -join ',' }
            }
            @{
                Command  = 'Remove-AzsBackupRole -Name KeyVault'
                Name     = 'Remove-AzsBackupRole'
                Arrange  = {}
                Snapshot = { (@(Get-AzsBackupRole | ForEach-Object -Process { $_.Name }) | Sort-Object) -join ',' }
            }
            @{
                Command  = 'Set-AzsBackupConfiguration -BackupFrequencyInHours 5'
                Name     = 'Set-AzsBackupConfiguration'
                Arrange  = {}
                Snapshot = { Get-ConfigurationSnapshot }
            }
            @{
                Command  = 'Update-AzsBackupConfiguration -BackupFrequencyInHours 5'
                Name     = 'Update-AzsBackupConfiguration'
                Arrange  = {}
                Snapshot = { Get-ConfigurationSnapshot }
            }
            @{
                Command  = 'Disable-AzsBackupSchedule'
                Name     = 'Disable-AzsBackupSchedule'
                Arrange  = { $null = Enable-AzsBackupSchedule }
                Snapshot = { Get-ConfigurationSnapshot }
            }
            @{
                Command  = 'Enable-AzsBackupSchedule'
                Name     = 'Enable-AzsBackupSchedule'
                Arrange  = { $null = Disable-AzsBackupSchedule }
                Snapshot = { Get-ConfigurationSnapshot }
            }
            @{
                Command  = 'Start-AzsBackup'
                Name     = 'Start-AzsBackup'
                Arrange  = {}
                Snapshot = { @(Get-AzsBackup).Count }
            }
            @{
                # A certificate copy no backup refers to is what a prune deletes.
                Command  = 'Invoke-AzsPruneBackupLocationExternalStore'
                Name     = 'Invoke-AzsPruneBackupLocationExternalStore'
                Arrange  = {
                    $null = Start-AzsBackup
                    $env:AZSB_CHILD_FILE = Join-Path -Path $env:AZSB_TEST_SHARE_DIR -ChildPath ('MASBackup/certificates/{0}.cer' -f ('AB' * 20))
                    Set-Content -LiteralPath $env:AZSB_CHILD_FILE -Value 'an old certificate copy'
                }
                Snapshot = { Test-Path -LiteralPath $env:AZSB_CHILD_FILE }
            }
            @{
                Command  = 'Set-AzsBackupRole -Name KeyVault -Path $env:AZSB_CHILD_FILE'
                Name     = 'Set-AzsBackupRole'
                Arrange  = { $env:AZSB_CHILD_FILE = New-RoleData -Name 'KeyVault' }
                Snapshot = { (Get-AzsBackupRole -Name 'KeyVault').Path }
            }
            @{
                Command  = 'New-AzsBackupEncryptionCertificate -CerPath "$env:AZSB_CHILD_FILE.cer" -PfxPath "$env:AZSB_CHILD_FILE.pfx" -Password $pfxPassword -KeyLength 2048'
                Name     = 'New-AzsBackupEncryptionCertificate'
                Arrange  = { $env:AZSB_CHILD_FILE = Join-Path -Path $TestDrive -ChildPath ('unconfirmed-{0}' -f [guid]::NewGuid().ToString('N')) }
                Snapshot = { Test-Path -LiteralPath "$env:AZSB_CHILD_FILE.pfx" }
            }
            @{
                Command  = 'Install-AzsBackupService -RootPath $env:AZSB_CHILD_FILE'
                Name     = 'Install-AzsBackupService'
                Arrange  = { $env:AZSB_CHILD_FILE = (New-Item -ItemType Directory -Path (Join-Path -Path $TestDrive -ChildPath ('root-{0}' -f [guid]::NewGuid().ToString('N')))).FullName }
                Snapshot = { (Get-AzsBackupService -RootPath $env:AZSB_CHILD_FILE).Installed }
            }
            @{
                Command  = 'Uninstall-AzsBackupService -RootPath $env:AZSB_CHILD_FILE'
                Name     = 'Uninstall-AzsBackupService'
                Arrange  = {
                    $env:AZSB_CHILD_FILE = (New-Item -ItemType Directory -Path (Join-Path -Path $TestDrive -ChildPath ('root-{0}' -f [guid]::NewGuid().ToString('N')))).FullName
                    $null = Install-AzsBackupService -RootPath $env:AZSB_CHILD_FILE -Confirm:$false
                }
                Snapshot = { (Get-AzsBackupService -RootPath $env:AZSB_CHILD_FILE).Installed }
            }
            @{
                Command  = 'Restore-AzsBackup -Name $env:AZSB_CHILD_BACKUP -DecryptionCertPath $env:AZSB_TEST_CERT_PFX -DecryptionCertPassword $pfxPassword -Force'
                Name     = 'Restore-AzsBackup'
                Arrange  = {
                    $env:AZSB_CHILD_BACKUP = (Start-AzsBackup).Name
                    Set-Content -LiteralPath (Join-Path -Path $env:AZSB_CHILD_PATH -ChildPath 'settings.json') -Value 'changed after the backup'
                }
                Snapshot = { ((Get-RelativeFileHash -Root $env:AZSB_CHILD_PATH).GetEnumerator() | Sort-Object -Property Name | ForEach-Object -Process { '{0}={1}' -f $_.Name, $_.Value }) -join ';' }
            }
        ) {
            $null = Set-TestConfiguration
            $env:AZSB_CHILD_PATH = New-RoleData -Name 'KeyVault'
            $null = Add-AzsBackupRole -Name 'KeyVault' -Path $env:AZSB_CHILD_PATH
            . $Arrange
            $before = & $Snapshot

            $output = Invoke-NonInteractive -Command ($Command + ' -Confirm')
            & $Snapshot | Should -Be $before -Because "nothing may change without confirmation:`n$output"
            Assert-NotConfirmed -Output $output -CommandName $Name -Remedy '-Confirm:$false'

            $output = Invoke-NonInteractive -Command ($Command + ' -Confirm:$false')
            $output | Should -Not -Match 'ERRORID='
            & $Snapshot | Should -Not -Be $before
        }
    }

    Context 'bad input leaves the configuration and backups intact' {
        BeforeEach {
            $null = Set-TestConfiguration
            $null = Add-AzsBackupRole -Name 'KeyVault' -Path (New-RoleData -Name 'KeyVault')
            $script:goodBackup = Start-AzsBackup
            $script:before = Get-ConfigurationSnapshot
        }

        AfterEach {
            Get-ConfigurationSnapshot | Should -Be $script:before
            @(Get-AzsBackup).BackupId | Should -Contain $script:goodBackup.BackupId
        }

        It 'rejects -BackupFrequencyInHours <Value>' -ForEach @(@{ Value = 3 }, @{ Value = 13 }) {
            $record = Get-TerminatingError -ScriptBlock { Set-AzsBackupConfiguration -BackupFrequencyInHours $Value }
            Assert-AzsBackupError -Record $record -ErrorId 'AzsBackup.InvalidParameter' -Category 'InvalidArgument'
            $record.ErrorDetails.RecommendedAction | Should -Not -BeNullOrEmpty
        }

        It 'rejects -BackupRetentionPeriodInDays <Value>' -ForEach @(@{ Value = 1 }, @{ Value = 15 }) {
            $record = Get-TerminatingError -ScriptBlock { Set-AzsBackupConfiguration -BackupRetentionPeriodInDays $Value }
            Assert-AzsBackupError -Record $record -ErrorId 'AzsBackup.InvalidParameter' -Category 'InvalidArgument'
        }

        It 'rejects a missing .cer' {
            $missing = Join-Path -Path $TestDrive -ChildPath 'no-such-cert.cer'
            $record = Get-TerminatingError -ScriptBlock { Set-AzsBackupConfiguration -EncryptionCertPath $missing }
            Assert-AzsBackupError -Record $record -ErrorId 'AzsBackup.CertificateNotFound' -Category 'ObjectNotFound'
            $record.Exception.Message | Should -Be "The specified encryption cert $missing does not exist"
        }

        It 'rejects a .pfx as -EncryptionCertPath' {
            $record = Get-TerminatingError -ScriptBlock { Set-AzsBackupConfiguration -EncryptionCertPath $script:otherPfxPath }
            Assert-AzsBackupError -Record $record -ErrorId 'AzsBackup.CertificateHasPrivateKey' -Category 'SecurityError'
        }

        It 'rejects a wrong share password' {
            $record = Get-TerminatingError -ScriptBlock { Set-AzsBackupConfiguration -Path $script:unc -UserName $script:shareUser -Password $script:wrongSharePassword }
            Assert-AzsBackupError -Record $record -ErrorId 'AzsBackup.ShareAuthentication' -Category 'AuthenticationError'
            $record.ErrorDetails.RecommendedAction | Should -Not -BeNullOrEmpty
            ($record | Out-String).Contains($env:AZSB_TEST_PASSWORD) | Should -BeFalse
        }

        It 'rejects a wrong .pfx password and writes nothing' {
            $destination = Join-Path -Path $TestDrive -ChildPath 'restore-wrong-password'
            $record = Get-TerminatingError -ScriptBlock { Restore-AzsBackup -Name $script:goodBackup.Name -DecryptionCertPath $script:pfxPath -DecryptionCertPassword $script:wrongPfxPassword -DestinationPath $destination -Force }
            Assert-AzsBackupError -Record $record -ErrorId 'AzsBackup.DecryptionPasswordWrong' -Category 'AuthenticationError'
            @(Get-ChildItem -LiteralPath $destination -Recurse -File -ErrorAction Ignore).Count | Should -Be 0
        }

        It 'refuses a restore the destination volume cannot hold, and writes nothing there' {
            # A real 64 KiB file system: the roles of the good backup need more.
            $small = Join-Path -Path $TestDrive -ChildPath 'small-volume'
            $null = New-Item -ItemType Directory -Path $small
            & mount -t tmpfs -o size=64k tmpfs $small
            $LASTEXITCODE | Should -Be 0
            try {
                $record = Get-TerminatingError -ScriptBlock { Restore-AzsBackup -Name $script:goodBackup.Name -DecryptionCertPath $script:pfxPath -DecryptionCertPassword $script:pfxPassword -DestinationPath $small -Force }
                Assert-AzsBackupError -Record $record -ErrorId 'AzsBackup.RestoreSpaceLow' -Category 'ResourceUnavailable'
                $record.TargetObject | Should -Be $small
                $record.Exception.Message | Should -Match 'needs about .* free there'
                $record.ErrorDetails.RecommendedAction | Should -Match '-DestinationPath'
                @(Get-ChildItem -LiteralPath $small -Force).Count | Should -Be 0
            } finally {
                & umount $small
            }
        }

        It 'rejects a missing .pfx' {
            $missing = Join-Path -Path $TestDrive -ChildPath 'no-such-cert.pfx'
            $record = Get-TerminatingError -ScriptBlock { Restore-AzsBackup -Name $script:goodBackup.Name -DecryptionCertPath $missing -DecryptionCertPassword $script:pfxPassword -Force }
            Assert-AzsBackupError -Record $record -ErrorId 'AzsBackup.CertificateNotFound' -Category 'ObjectNotFound'
            $record.Exception.Message | Should -Be "The specified decryption cert $missing does not exist"
        }

        It 'reports an unknown backup as an error, not an empty result' {
            $record = Get-TerminatingError -ScriptBlock { Get-AzsBackup -Name ([guid]::NewGuid().ToString()) }
            Assert-AzsBackupError -Record $record -ErrorId 'AzsBackup.BackupNotFound' -Category 'ObjectNotFound'
        }

        It 'rejects -Top that is not a number' {
            $record = Get-TerminatingError -ScriptBlock { Get-AzsBackup -Top 'ten' }
            Assert-AzsBackupError -Record $record -ErrorId 'AzsBackup.InvalidParameter' -Category 'InvalidArgument'
        }
    }

    Context 'Azure Blob Storage location (real Azurite), Update- and Clear-AzsBackupConfiguration' {
        BeforeAll {
            $script:blobKey = $env:AZSB_TEST_BLOB_KEY
            $script:sasUrl = $env:AZSB_TEST_BLOB_SAS_URL
            $null = $script:sasUrl -match '[?&]sig=([^&]+)'
            $script:sasSignature = $Matches[1]
            function New-ContainerUrl {
                return '{0}/pester-{1}' -f $env:AZSB_TEST_BLOB_ENDPOINT, [guid]::NewGuid().ToString('N').Substring(0, 12)
            }
            function Get-ConfigurationFileText {
                return Get-Content -LiteralPath (Join-Path -Path $env:AZSBACKUP_HOME -ChildPath 'config.json') -Raw
            }
        }

        It 'Update-AzsBackupConfiguration -BlobStorageUrl -BlobStorageKey backs up to a new container and restores byte for byte' {
            $url = New-ContainerUrl
            $location = Update-AzsBackupConfiguration -BlobStorageUrl $url -BlobStorageKey $script:blobKey -EncryptionCertPath $script:cerPath -BackupRetentionPeriodInDays 5
            $location.PSObject.TypeNames[0] | Should -Be 'AzsBackup.BackupLocation'
            $location.BlobStorageUrl | Should -Be $url
            $location.BlobStorageKey | Should -BeNullOrEmpty
            $location.Path | Should -BeNullOrEmpty
            $location.BackupRetentionPeriodInDays | Should -Be 5
            (Get-AzsBackupConfiguration).BlobStorageUrl | Should -Be $url
            (Get-ConfigurationFileText).Contains($script:blobKey) | Should -BeFalse

            $roleData = New-RoleData -Name 'KeyVault'
            $null = Add-AzsBackupRole -Name 'KeyVault' -Path $roleData
            $backup = Start-AzsBackup
            $backup.Status | Should -Be 'Succeeded'
            $status = Get-AzsBackupStatus -WarningAction SilentlyContinue
            $status.BlobStorageUrl | Should -Be $url
            $status.LastBackupStatus | Should -Be 'Succeeded'

            $destination = Join-Path -Path $TestDrive -ChildPath ('blob-restore-{0}' -f [guid]::NewGuid().ToString('N'))
            $null = Restore-AzsBackup -Name $backup.Name -DecryptionCertPath $script:pfxPath -DecryptionCertPassword $script:pfxPassword -DestinationPath $destination -Force
            Assert-RestoredCopy -Original $roleData -Restored $destination
        }

        It 'Update-AzsBackupConfiguration changes only what it is given' {
            $url = New-ContainerUrl
            $null = Update-AzsBackupConfiguration -BlobStorageUrl $url -BlobStorageKey $script:blobKey -EncryptionCertPath $script:cerPath -BackupFrequencyInHours 8
            $before = Get-AzsBackupConfiguration
            $after = Update-AzsBackupConfiguration -BackupRetentionPeriodInDays 3 -IsBackupSchedulerEnabled:$false
            $after.BackupRetentionPeriodInDays | Should -Be 3
            $after.IsBackupSchedulerEnabled | Should -BeFalse
            foreach ($name in 'BlobStorageUrl', 'Path', 'UserName', 'EncryptionCertThumbprint', 'BackupFrequencyInHours', 'Location') {
                $after.$name | Should -Be $before.$name -Because "$name was not given"
            }
        }

        It 'a wrong key is a ShareAuthentication error that does not show the key and changes nothing' {
            $null = Update-AzsBackupConfiguration -BlobStorageUrl (New-ContainerUrl) -BlobStorageKey $script:blobKey
            $before = Get-ConfigurationFileText
            $wrongKey = [Convert]::ToBase64String([System.Security.Cryptography.RandomNumberGenerator]::GetBytes(64))
            $record = Get-TerminatingError -ScriptBlock { Update-AzsBackupConfiguration -BlobStorageKey $wrongKey }
            Assert-AzsBackupError -Record $record -ErrorId 'AzsBackup.ShareAuthentication' -Category 'AuthenticationError'
            ($record | Out-String).Contains($wrongKey) | Should -BeFalse
            Get-ConfigurationFileText | Should -Be $before
        }

        It 'takes a SAS URL for the piped location and never shows the SAS; -Path moves it back to the share' {
            $viaSas = Get-AzsBackupConfiguration | Update-AzsBackupConfiguration -BlobStorageUrl $script:sasUrl -Verbose 4>&1
            $location = @($viaSas | Where-Object -FilterScript { $_ -isnot [System.Management.Automation.VerboseRecord] })[0]
            $location.BlobStorageUrl | Should -Be ($script:sasUrl -split '\?')[0]
            ($viaSas | Out-String).Contains($script:sasSignature) | Should -BeFalse
            (Get-ConfigurationFileText).Contains($script:sasSignature) | Should -BeFalse

            $share = Get-AzsBackupConfiguration | Update-AzsBackupConfiguration -Path $script:unc -UserName $script:shareUser -Password $script:sharePassword
            $share.Path | Should -Be $script:unc
            $share.BlobStorageUrl | Should -BeNullOrEmpty
        }

        It 'Clear-AzsBackupConfiguration refuses without -Force when it cannot prompt, honours -WhatIf, and clears with -Force' {
            $null = Update-AzsBackupConfiguration -BlobStorageUrl (New-ContainerUrl) -BlobStorageKey $script:blobKey -BackupFrequencyInHours 6 -BackupRetentionPeriodInDays 3 -IsBackupSchedulerEnabled
            $before = Get-ConfigurationFileText

            $record = Get-TerminatingError -ScriptBlock { Clear-AzsBackupConfiguration }
            Assert-AzsBackupError -Record $record -ErrorId 'AzsBackup.ConfirmationRequired' -Category 'InvalidOperation'
            $record.Exception.Message | Should -Match 'Nothing was changed'
            $record.ErrorDetails.RecommendedAction | Should -Match '-Force'
            Get-ConfigurationFileText | Should -Be $before

            $null = Clear-AzsBackupConfiguration -Force -WhatIf
            Get-ConfigurationFileText | Should -Be $before

            $cleared = Clear-AzsBackupConfiguration -Force -Confirm:$false
            $cleared.PSObject.TypeNames[0] | Should -Be 'AzsBackup.BackupLocation'
            $cleared.Path | Should -BeNullOrEmpty
            $cleared.UserName | Should -BeNullOrEmpty
            $cleared.BlobStorageUrl | Should -BeNullOrEmpty
            $cleared.BlobStorageKey | Should -BeNullOrEmpty
            $cleared.IsBackupSchedulerEnabled | Should -BeFalse
            $cleared.BackupFrequencyInHours | Should -Be 12
            $cleared.BackupRetentionPeriodInDays | Should -Be 7
            (Get-AzsBackupConfiguration).BlobStorageUrl | Should -BeNullOrEmpty
        }
    }

    Context 'schedule and status' {
        It 'Disable- and Enable-AzsBackupSchedule flip the flag and keep every other setting' {
            $null = Set-TestConfiguration -Frequency 6 -Retention 3
            $before = Get-AzsBackupConfiguration

            $disabled = Disable-AzsBackupSchedule
            $disabled.PSObject.TypeNames[0] | Should -Be 'AzsBackup.BackupLocation'
            $disabled.IsBackupSchedulerEnabled | Should -BeFalse
            $enabled = Enable-AzsBackupSchedule
            $enabled.IsBackupSchedulerEnabled | Should -BeTrue

            foreach ($result in @($disabled, $enabled)) {
                $result.Path | Should -Be $before.Path
                $result.UserName | Should -Be $before.UserName
                $result.EncryptionCertThumbprint | Should -Be $before.EncryptionCertThumbprint
                $result.BackupFrequencyInHours | Should -Be 6
                $result.BackupRetentionPeriodInDays | Should -Be 3
                if ($null -ne $before.NextBackupTime) {
                    $result.NextBackupTime | Should -BeOfType [datetime]
                    $result.NextBackupTime | Should -Be $before.NextBackupTime
                }
            }
        }

        It 'Get-AzsBackupStatus returns the Essentials view' {
            $null = Set-TestConfiguration
            $null = Add-AzsBackupRole -Name 'KeyVault' -Path (New-RoleData -Name 'KeyVault')
            $backup = Start-AzsBackup
            $status = Get-AzsBackupStatus -WarningAction SilentlyContinue
            $status.PSObject.TypeNames[0] | Should -Be 'AzsBackup.BackupStatus'
            $status.Path | Should -Be $script:unc
            $status.LastBackupStatus | Should -Be 'Succeeded'
            $status.LastBackupTime | Should -BeOfType [datetime]
            $status.EncryptionCertThumbprint | Should -Be $backup.EncryptionCertThumbprint
            , $status.Warnings | Should -BeOfType [string[]]
        }

        It 'a backup whose BackupInfo.json is damaged is listed with a warning, and prune deletes nothing' {
            $null = Set-TestConfiguration
            $null = Add-AzsBackupRole -Name 'KeyVault' -Path (New-RoleData -Name 'KeyVault')
            $backup = Start-AzsBackup
            $info = Join-Path -Path $env:AZSB_TEST_SHARE_DIR -ChildPath ('MASBackup/{0}/BackupInfo.json' -f $backup.BackupId)
            $original = [System.IO.File]::ReadAllBytes($info)
            try {
                [System.IO.File]::WriteAllText($info, '{"truncat')
                $listed = @(Get-AzsBackup -WarningVariable listWarnings -WarningAction SilentlyContinue | Where-Object -FilterScript { $_.BackupId -eq $backup.BackupId })
                $listed.Count | Should -Be 1
                $listed[0].Status | Should -Be 'Failed'
                ($listWarnings -join "`n") | Should -Match ([regex]::Escape([string]$backup.BackupId))
                $status = Get-AzsBackupStatus -WarningAction SilentlyContinue
                ($status.Warnings -join "`n") | Should -Match 'not valid JSON'
                $thrown = $null
                try { Invoke-AzsPruneBackupLocationExternalStore -Confirm:$false -ErrorAction Stop } catch { $thrown = $_ }
                $thrown | Should -Not -BeNullOrEmpty
                $thrown.FullyQualifiedErrorId | Should -Match 'IntegrityFailed'
                $thrown.Exception.Message | Should -Match ('MASBackup/{0}' -f $backup.BackupId)
                Test-Path -LiteralPath (Join-Path -Path (Split-Path -Parent $info) -ChildPath 'KeyVault.000.azsb') | Should -BeTrue
            } finally {
                [System.IO.File]::WriteAllBytes($info, $original)
            }
            # Whole again: listed as it was, without a warning.
            (Get-AzsBackup -Name $backup.BackupId -WarningVariable okWarnings).Status | Should -Be 'Succeeded'
            $okWarnings | Should -BeNullOrEmpty
        }

        It 'Set-AzsBackupConfiguration -SmbSigning Relaxed warns, and so does the status until it is Required again' {
            $null = Set-TestConfiguration
            $warnings = $null
            $null = Set-AzsBackupConfiguration -SmbSigning Relaxed -WarningVariable warnings -WarningAction SilentlyContinue
            ($warnings | Out-String) | Should -BeLike '*SMB signing is relaxed*'
            ((Get-AzsBackupStatus -WarningAction SilentlyContinue).Warnings -join ' ') | Should -BeLike '*SMB signing is relaxed*'
            $warnings = $null
            $null = Set-AzsBackupConfiguration -SmbSigning Required -WarningVariable warnings -WarningAction SilentlyContinue
            ($warnings | Out-String) | Should -Not -BeLike '*SMB signing is relaxed*'
            ((Get-AzsBackupStatus -WarningAction SilentlyContinue).Warnings -join ' ') | Should -Not -BeLike '*SMB signing is relaxed*'
            { Set-AzsBackupConfiguration -SmbSigning 'Off' } | Should -Throw -ErrorId 'ParameterArgumentValidationError,Set-AzsBackupConfiguration'
        }

        It 'Invoke-AzsPruneBackupLocationExternalStore -OperationType DryRun -PassThru returns a PruneList' {
            $null = Set-TestConfiguration
            $list = Invoke-AzsPruneBackupLocationExternalStore -OperationType DryRun -PassThru
            $list.PSObject.TypeNames[0] | Should -Be 'AzsBackup.PruneList'
            $list.Deleted | Should -BeFalse
            , $list.PathsToDelete | Should -BeOfType [string[]]
        }
    }
    Context "the operator's day: completion, views, verification, sizes" {
        BeforeAll {
            # One configured home with two roles and two backups, shared by the tests of this
            # context (each backup costs seconds); other tests' backups on the share are ignored.
            $script:dayHome = New-TestHome
            $null = Set-TestConfiguration
            $script:dayKeyVault = New-RoleData -Name 'KeyVault'
            $null = Add-AzsBackupRole -Name 'KeyVault' -Path $script:dayKeyVault
            $null = Add-AzsBackupRole -Name 'NRP' -Path (New-RoleData -Name 'NRP')
            $script:dayOlder = Start-AzsBackup
            $script:dayNewer = Start-AzsBackup
        }

        BeforeEach {
            $env:AZSBACKUP_HOME = $script:dayHome
        }

        It 'completes backup names for <Command> -Name, newest first, with date and status as the tooltip' -ForEach @(
            @{ Command = 'Get-AzsBackup' }, @{ Command = 'Restore-AzsBackup' }, @{ Command = 'Test-AzsBackup' }
        ) {
            $inputText = '{0} -Name ' -f $Command
            $completions = @([System.Management.Automation.CommandCompletion]::CompleteInput($inputText, $inputText.Length, $null).CompletionMatches)
            $texts = @($completions.CompletionText)
            $texts | Should -Contain $script:dayNewer.Name
            $texts | Should -Contain $script:dayOlder.Name
            [array]::IndexOf($texts, $script:dayNewer.Name) | Should -BeLessThan ([array]::IndexOf($texts, $script:dayOlder.Name))
            @($completions | Where-Object -FilterScript { $_.ResultType -ne 'ParameterValue' }).Count | Should -Be 0 -Because 'backup names, not files of the current folder'
            $newer = $completions | Where-Object -FilterScript { $_.CompletionText -eq $script:dayNewer.Name }
            $localCreated = ([System.DateTimeOffset]$script:dayNewer.CreatedDateTime).ToLocalTime().ToString('yyyy-MM-dd HH:mm zzz', [System.Globalization.CultureInfo]::InvariantCulture)
            $newer.ToolTip | Should -BeLike "$localCreated Succeeded*"
        }

        It 'completes a backup from the first characters of its GUID' {
            $prefix = $script:dayOlder.BackupId.Substring(0, 8)
            $inputText = "Restore-AzsBackup -Name $prefix"
            $completions = @(TabExpansion2 -inputScript $inputText -cursorColumn $inputText.Length).CompletionMatches
            @($completions.CompletionText) | Should -Be @($script:dayOlder.Name)
        }

        It 'completes role names for <InputText>' -ForEach @(
            @{ InputText = 'Restore-AzsBackup -Name x -RoleName '; Expected = @('KeyVault', 'NRP') }
            @{ InputText = 'Get-AzsBackupRole -Name '; Expected = @('KeyVault', 'NRP') }
            @{ InputText = 'Remove-AzsBackupRole -Name N'; Expected = @('NRP') }
            @{ InputText = 'Set-AzsBackupRole -Name k'; Expected = @('KeyVault') }
        ) {
            $completions = @([System.Management.Automation.CommandCompletion]::CompleteInput($InputText, $InputText.Length, $null).CompletionMatches)
            @($completions.CompletionText) | Should -Be $Expected
            if ($Expected -contains 'KeyVault') {
                ($completions | Where-Object -FilterScript { $_.CompletionText -eq 'KeyVault' }).ToolTip | Should -Be $script:dayKeyVault
            }
        }

        It 'shows Get-AzsBackup in 80 columns: name, status, local time with offset, hh:mm:ss, size, roles as a count' {
            $previousTz = $env:TZ
            try {
                $env:TZ = 'America/New_York'
                [System.TimeZoneInfo]::ClearCachedData()
                $table = $script:dayNewer | Out-String -Width 80
                $lines = @($table -split "`r?`n" | Where-Object -FilterScript { $_.Trim().Length -gt 0 })
                foreach ($line in $lines) {
                    $line.Length | Should -BeLessOrEqual 80 -Because "'$line' must fit 80 columns"
                }
                $lines[0] | Should -Match '^Name\s+Status\s+Created\s+Duration\s+Size\s+Roles$'
                $row = $lines[-1]
                $row | Should -BeLike ('{0}*' -f $script:dayNewer.BackupId.Substring(0, 8))
                $eastern = [System.TimeZoneInfo]::ConvertTimeFromUtc($script:dayNewer.CreatedDateTime, [System.TimeZoneInfo]::FindSystemTimeZoneById('America/New_York'))
                $row | Should -Match ([regex]::Escape($eastern.ToString('yyyy-MM-dd HH:mm', [System.Globalization.CultureInfo]::InvariantCulture) + ' -05:00'))
                $row | Should -Match ' Succeeded '
                $row | Should -Match ' \d\d:\d\d:\d\d '
                $row | Should -Match '\d+(\.\d+)? (B|KB|MB) '
                $row | Should -Match '2/2 OK$'

                $location = Get-AzsBackupConfiguration | Format-List | Out-String -Width 80
                $location | Should -Match 'NextBackupTime\s+: \d{4}-\d\d-\d\d \d\d:\d\d -05:00'
            }
            finally {
                $env:TZ = $previousTz
                [System.TimeZoneInfo]::ClearCachedData()
            }
            # The values scripts read are unchanged: only the display is local.
            $script:dayNewer.CreatedDateTime.Kind | Should -Be 'Utc'
            $script:dayNewer.TimeTakenToCreate | Should -Match '^PT'
            $script:dayNewer.Status | Should -BeOfType [string]
        }

        It 'shows a detailed list view beside the table' {
            $list = $script:dayNewer | Format-List | Out-String -Width 80
            $list | Should -Match ('Name\s+: {0}' -f [regex]::Escape($script:dayNewer.Name))
            $list | Should -Match 'Duration\s+: \d\d:\d\d:\d\d'
            $list | Should -Match 'Size\s+: \d'
            $list | Should -Match 'KeyVault: Succeeded'
        }

        It 'carries the size of each backup and shows what the retention window will need' {
            $script:dayNewer.SizeInBytes | Should -BeOfType [long]
            $script:dayNewer.SizeInBytes | Should -BeGreaterThan 300000 -Because 'the roles hold 300 kB of random data each'
            $script:dayNewer.SourceSizeInBytes | Should -BeGreaterThan 600000
            (Get-AzsBackup -Name $script:dayOlder.Name).SizeInBytes | Should -Be $script:dayOlder.SizeInBytes

            $status = Get-AzsBackupStatus -WarningAction SilentlyContinue
            $status.BackupCount | Should -BeGreaterOrEqual 2
            $status.UsedSpaceInBytes | Should -BeGreaterOrEqual ($script:dayOlder.SizeInBytes + $script:dayNewer.SizeInBytes)
            # Half a byte rounds up, as the engine does: .NET's default Round would go to the even neighbour.
            $status.AverageBackupSizeInBytes | Should -Be ([long][System.Math]::Round($status.UsedSpaceInBytes / $status.BackupCount, [System.MidpointRounding]::AwayFromZero))
            $status.BackupsInRetentionWindow | Should -Be 15 -Because '7 days of a backup every 12 hours, plus the newest'
            $status.ProjectedSpaceNeededInBytes | Should -Be ($status.AverageBackupSizeInBytes * 15)
            @($status.Warnings | Where-Object -FilterScript { $_ -like '*retention window needs*' }).Count | Should -Be 0 -Because 'the test disk has room'
            $view = $status | Out-String -Width 80
            $view | Should -Match 'UsedSpace\s+: .+ in \d+ backup\(s\)'
            $view | Should -Match 'AverageBackupSize\s+: \d'
            $view | Should -Match 'ProjectedSpaceNeeded\s+: .+ for 15 backup\(s\) in the retention window'
        }

        It 'Test-AzsBackup -Name checks the checksums of every role' {
            $results = @(Test-AzsBackup -Name $script:dayNewer.Name)
            $results.Count | Should -Be 2
            $results[0].PSObject.TypeNames[0] | Should -Be 'AzsBackup.VerifyResult'
            @($results.RoleName) | Should -Be @('KeyVault', 'NRP')
            foreach ($result in $results) {
                $result.Name | Should -Be $script:dayNewer.Name
                $result.Level | Should -Be 'Checksums'
                $result.Verified | Should -BeTrue
                $result.Volumes | Should -BeGreaterOrEqual 1
                $result.Bytes | Should -BeGreaterThan 0
            }
            ($results | Out-String -Width 80) | Should -Match 'KeyVault\s+Checksums\s+True'
        }

        It 'Test-AzsBackup from the pipeline with the .pfx authenticates every chunk' {
            $results = @($script:dayOlder | Test-AzsBackup -DecryptionCertPath $script:pfxPath -DecryptionCertPassword $script:pfxPassword)
            @($results.RoleName) | Should -Be @('KeyVault', 'NRP')
            foreach ($result in $results) {
                $result.Level | Should -Be 'Full'
                $result.Files | Should -Be 4
                $result.Bytes | Should -BeGreaterThan 300000
            }
            $record = $null
            $null = $script:dayOlder | Test-AzsBackup -DecryptionCertPath $script:pfxPath -DecryptionCertPassword $script:wrongPfxPassword -ErrorVariable record -ErrorAction SilentlyContinue
            $record[0].FullyQualifiedErrorId | Should -BeLike 'AzsBackup.DecryptionPasswordWrong,*'
        }

        It 'Test-AzsBackup names the damaged role and volume, and carries on with the next backup' {
            $damaged = Start-AzsBackup
            $volume = Get-ChildItem -LiteralPath (Join-Path -Path $env:AZSB_TEST_SHARE_DIR -ChildPath 'MASBackup') -Recurse -File |
                Where-Object -FilterScript { $_.FullName -like "*$($damaged.BackupId)*" -and $_.Name -like '*NRP*' } | Select-Object -First 1
            $volume | Should -Not -BeNullOrEmpty
            $bytes = [System.IO.File]::ReadAllBytes($volume.FullName)
            $bytes[[int]($bytes.Length / 2)] = $bytes[[int]($bytes.Length / 2)] -bxor 0xFF
            [System.IO.File]::WriteAllBytes($volume.FullName, $bytes)

            $errors = $null
            $results = @($damaged, $script:dayNewer | Test-AzsBackup -ErrorVariable errors -ErrorAction SilentlyContinue)
            $errors.Count | Should -Be 1
            $errors[0].FullyQualifiedErrorId | Should -BeLike 'AzsBackup.IntegrityFailed,*'
            $errors[0].Exception.Message | Should -BeLike "*Role NRP*$($volume.Name)*"
            $errors[0].ErrorDetails.RecommendedAction | Should -Not -BeNullOrEmpty
            @($results.Name | Select-Object -Unique) | Should -Be @($script:dayNewer.Name) -Because 'the intact backup is still checked'
        }
    }

    Context 'progress' {
        It 'shows bytes done and total per role while a backup runs, then completes' {
            $null = Set-TestConfiguration
            $null = Add-AzsBackupRole -Name 'KeyVault' -Path (New-RoleData -Name 'KeyVault')
            $null = Add-AzsBackupRole -Name 'NRP' -Path (New-RoleData -Name 'NRP')
            $run = Invoke-InOwnRunspace -Script 'Start-AzsBackup'
            $run.Output[0].Status | Should -Be 'Succeeded'
            $overall = Assert-RoleProgress -Records $run.Progress -Roles 'KeyVault', 'NRP'
            $overall.Count | Should -BeGreaterThan 2
            $run.Progress[-1].ActivityId | Should -Be 1
        }

        It 'shows bytes done and total per role while a restore runs, then completes' {
            $null = Set-TestConfiguration
            $keyVault = New-RoleData -Name 'KeyVault'
            $null = Add-AzsBackupRole -Name 'KeyVault' -Path $keyVault
            $null = Add-AzsBackupRole -Name 'NRP' -Path (New-RoleData -Name 'NRP')
            $backup = Start-AzsBackup
            $destination = Join-Path -Path $TestDrive -ChildPath 'restore-progress'
            $run = Invoke-InOwnRunspace -Script 'param($Name, $Pfx, $Password, $Destination) Restore-AzsBackup -Name $Name -DecryptionCertPath $Pfx -DecryptionCertPassword $Password -DestinationPath $Destination -Force' -ArgumentList $backup.Name, $script:pfxPath, $script:pfxPassword, $destination
            Assert-RestoredCopy -Original $keyVault -Restored (Join-Path -Path $destination -ChildPath 'KeyVault')
            $null = Assert-RoleProgress -Records $run.Progress -Roles 'KeyVault', 'NRP'
        }
    }

    Context 'capacity' {
        It 'warns when the retention window will not fit the free space of the share' {
            Set-AzsBackupConfiguration -Path $env:AZSB_TEST_TINY_UNC -UserName $script:shareUser -Password $script:sharePassword -EncryptionCertPath $script:cerPath -ErrorAction Stop | Out-Null
            $null = Add-AzsBackupRole -Name 'KeyVault' -Path (New-RoleData -Name 'KeyVault')
            $backup = Start-AzsBackup
            $backup.SizeInBytes | Should -BeGreaterThan 300000
            $status = Get-AzsBackupStatus -WarningAction SilentlyContinue
            $status.AvailableCapacityInBytes | Should -Be 1048576
            $warning = @($status.Warnings | Where-Object -FilterScript { $_ -like '*retention window needs*' })
            $warning.Count | Should -Be 1
            $warning[0] | Should -BeLike '*15 backups*only 1 MB is free*BackupRetentionPeriodInDays*'
        }
    }

    Context 'certificates' {
        It 'the about topic shows the commands these tests run, verbatim' {
            # The README's blocks are run as written by tests/integration/docs.test.ts.
            $about = Get-Content -LiteralPath (Join-Path -Path $repoRoot -ChildPath 'en-US/about_AzsBackup.help.txt') -Raw
            foreach ($line in @(
                    "`$pfxPassword = Read-Host -Prompt 'Password for the .pfx' -AsSecureString"
                    'New-AzsBackupEncryptionCertificate -CerPath ./AzSIBCCert.cer -PfxPath ./AzSIBCCert.pfx -Password $pfxPassword'
                    'Set-AzsBackupConfiguration -EncryptionCertPath ./AzSIBCCert.cer'
                    'Get-AzsBackup | Select-Object -First 1 | Test-AzsBackup'
                    'Test-AzsBackup -Name $name -DecryptionCertPath ./AzSIBCCert.pfx -DecryptionCertPassword $pfxPassword'
                    'Get-AzsBackupStatus'
                    'Install-AzsBackupService'
                    'Get-AzsBackupService'
                    'Uninstall-AzsBackupService'
                )) {
                $about | Should -Match ('(?m)^\s+{0}\r?$' -f [regex]::Escape($line)) -Because 'each command the about topic shows is run as written by this suite'
            }
        }

        It 'New-AzsBackupEncryptionCertificate makes a .cer and .pfx that back up and verify (about_AzsBackup)' {
            Push-Location -LiteralPath $TestDrive
            try {
                Remove-Item -LiteralPath './AzSIBCCert.cer', './AzSIBCCert.pfx' -ErrorAction Ignore
                $null = Set-TestConfiguration
                # The about topic's commands, exactly as it shows them; Read-Host stands for the
                # operator typing the password.
                Mock -CommandName Read-Host -MockWith { $script:pfxPassword }
                $shown = & {
                    $pfxPassword = Read-Host -Prompt 'Password for the .pfx' -AsSecureString
                    New-AzsBackupEncryptionCertificate -CerPath ./AzSIBCCert.cer -PfxPath ./AzSIBCCert.pfx -Password $pfxPassword
                    Set-AzsBackupConfiguration -EncryptionCertPath ./AzSIBCCert.cer
                } 3>&1
                $pfxPassword = $script:pfxPassword
                $certificateWarnings = @($shown | Where-Object -FilterScript { $_ -is [System.Management.Automation.WarningRecord] })
                @($shown | Where-Object -FilterScript { $_.PSObject.TypeNames -contains 'AzsBackup.EncryptionCertificate' }).Count | Should -Be 1
                $certificateWarnings.Count | Should -Be 0 -Because 'the certificate meets every requirement'
                $cer = [System.Security.Cryptography.X509Certificates.X509Certificate2]::new((Join-Path -Path $TestDrive -ChildPath 'AzSIBCCert.cer'))
                $cer.Version | Should -Be 3
                $cer.HasPrivateKey | Should -BeFalse
                $cer.PublicKey.GetRSAPublicKey().KeySize | Should -BeGreaterOrEqual 2048
                $eku = $cer.Extensions | Where-Object -FilterScript { $_ -is [System.Security.Cryptography.X509Certificates.X509EnhancedKeyUsageExtension] }
                @($eku.EnhancedKeyUsages.Value) | Should -Contain '1.3.6.1.5.5.7.3.2'
                ($cer.NotAfter - $cer.NotBefore).TotalDays | Should -BeLessOrEqual (3 * 366)
                (Get-AzsBackupConfiguration).EncryptionCertThumbprint | Should -Be $cer.Thumbprint

                $null = Add-AzsBackupRole -Name 'KeyVault' -Path (New-RoleData -Name 'KeyVault')
                $backup = Start-AzsBackup
                $name = $backup.Name
                # VERIFYING A BACKUP and SIZES AND CAPACITY of the about topic, exactly.
                $checked = @(& { Get-AzsBackup | Select-Object -First 1 | Test-AzsBackup })
                $verified = @(& { Test-AzsBackup -Name $name -DecryptionCertPath ./AzSIBCCert.pfx -DecryptionCertPassword $pfxPassword })
                $status = & { Get-AzsBackupStatus } 3>$null
                $checked[0].Name | Should -Be $name
                $checked[0].Level | Should -Be 'Checksums'
                $verified[0].Level | Should -Be 'Full'
                $verified[0].Verified | Should -BeTrue
                $status.LastBackupId | Should -Be $backup.BackupId
                ($status | Out-String -Width 80) | Should -Match 'ProjectedSpaceNeeded'
                { [System.Security.Cryptography.X509Certificates.X509Certificate2]::new((Join-Path -Path $TestDrive -ChildPath 'AzSIBCCert.pfx'), $script:wrongPfxPassword) } | Should -Throw
            }
            finally {
                Pop-Location
            }
        }

        It 'New-AzsBackupEncryptionCertificate refuses to replace files without -Force, and -WhatIf writes nothing' {
            $cerFile = Join-Path -Path $TestDrive -ChildPath 'twice.cer'
            $pfxFile = Join-Path -Path $TestDrive -ChildPath 'twice.pfx'
            New-AzsBackupEncryptionCertificate -CerPath $cerFile -PfxPath $pfxFile -Password $script:pfxPassword -KeyLength 2048 -WhatIf
            Test-Path -LiteralPath $cerFile | Should -BeFalse
            $first = New-AzsBackupEncryptionCertificate -CerPath $cerFile -PfxPath $pfxFile -Password $script:pfxPassword -KeyLength 2048 -ValidityInYears 1
            $first.PSObject.TypeNames[0] | Should -Be 'AzsBackup.EncryptionCertificate'
            ($first.NotAfter - $first.NotBefore).TotalDays | Should -BeLessOrEqual 366
            $record = Get-TerminatingError -ScriptBlock { New-AzsBackupEncryptionCertificate -CerPath $cerFile -PfxPath $pfxFile -Password $script:pfxPassword }
            Assert-AzsBackupError -Record $record -ErrorId 'AzsBackup.InvalidParameter' -Category 'ResourceExists'
            [System.Security.Cryptography.X509Certificates.X509Certificate2]::new($cerFile).Thumbprint | Should -Be $first.Thumbprint
            $second = New-AzsBackupEncryptionCertificate -CerPath $cerFile -PfxPath $pfxFile -Password $script:pfxPassword -KeyLength 2048 -Force
            [System.Security.Cryptography.X509Certificates.X509Certificate2]::new($cerFile).Thumbprint | Should -Be $second.Thumbprint
        }

        It 'warns about a missing Client Authentication EKU once, and not on a Set that fails' {
            # A certificate without the EKU, made the way New-AzsBackupEncryptionCertificate does minus that extension.
            $rsa = [System.Security.Cryptography.RSA]::Create(2048)
            $request = [System.Security.Cryptography.X509Certificates.CertificateRequest]::new('CN=No EKU', $rsa, [System.Security.Cryptography.HashAlgorithmName]::SHA256, [System.Security.Cryptography.RSASignaturePadding]::Pkcs1)
            $noEku = $request.CreateSelfSigned([System.DateTimeOffset]::UtcNow.AddMinutes(-5), [System.DateTimeOffset]::UtcNow.AddYears(1))
            $noEkuPath = Join-Path -Path $TestDrive -ChildPath 'no-eku.cer'
            [System.IO.File]::WriteAllBytes($noEkuPath, $noEku.Export([System.Security.Cryptography.X509Certificates.X509ContentType]::Cert))
            $null = Set-TestConfiguration

            $failing = $null
            $record = Get-TerminatingError -ScriptBlock { Set-AzsBackupConfiguration -EncryptionCertPath $noEkuPath -Password $script:wrongSharePassword -WarningVariable failing -WarningAction SilentlyContinue }
            Assert-AzsBackupError -Record $record -ErrorId 'AzsBackup.ShareAuthentication' -Category 'AuthenticationError'
            @($failing | Where-Object -FilterScript { "$_" -like '*Client Authentication*' }).Count | Should -Be 0

            $first = $null
            $null = Set-AzsBackupConfiguration -EncryptionCertPath $noEkuPath -WarningVariable first -WarningAction SilentlyContinue
            @($first | Where-Object -FilterScript { "$_" -like '*Client Authentication*' }).Count | Should -Be 1
            $again = $null
            $null = Set-AzsBackupConfiguration -EncryptionCertPath $noEkuPath -WarningVariable again -WarningAction SilentlyContinue
            @($again | Where-Object -FilterScript { "$_" -like '*Client Authentication*' }).Count | Should -Be 0
        }
    }

    Context 'scheduler service' {
        It 'runs the about topic service commands as written, installing under a test root' {
            $null = Set-TestConfiguration
            $root = Join-Path -Path $TestDrive -ChildPath ('about-root-{0}' -f [guid]::NewGuid().ToString('N'))
            $null = New-Item -ItemType Directory -Path $root
            # The commands exactly as the about topic shows them; only their root is the test's.
            $PSDefaultParameterValues['Install-AzsBackupService:RootPath'] = $root
            $PSDefaultParameterValues['Get-AzsBackupService:RootPath'] = $root
            $PSDefaultParameterValues['Uninstall-AzsBackupService:RootPath'] = $root
            $PSDefaultParameterValues['Uninstall-AzsBackupService:Confirm'] = $false
            try {
                $installed = & { Install-AzsBackupService }
                $shown = & { Get-AzsBackupService }
                $removed = & { Uninstall-AzsBackupService }
            }
            finally {
                foreach ($key in @('Install-AzsBackupService:RootPath', 'Get-AzsBackupService:RootPath', 'Uninstall-AzsBackupService:RootPath', 'Uninstall-AzsBackupService:Confirm')) {
                    $PSDefaultParameterValues.Remove($key)
                }
            }
            $installed.Enabled | Should -BeTrue
            $shown.Installed | Should -BeTrue
            $removed.Installed | Should -BeFalse
        }

        It 'Install-, Get- and Uninstall-AzsBackupService manage a systemd unit under -RootPath' {
            $null = Set-TestConfiguration
            $null = Add-AzsBackupRole -Name 'KeyVault' -Path (New-RoleData -Name 'KeyVault')
            $root = Join-Path -Path $TestDrive -ChildPath ('root-{0}' -f [guid]::NewGuid().ToString('N'))
            $null = New-Item -ItemType Directory -Path $root
            $unitPath = Join-Path -Path $root -ChildPath 'etc/systemd/system/azsbackup.service'
            $wantsPath = Join-Path -Path $root -ChildPath 'etc/systemd/system/multi-user.target.wants/azsbackup.service'

            Install-AzsBackupService -RootPath $root -WhatIf
            Test-Path -LiteralPath $unitPath | Should -BeFalse
            (Get-AzsBackupService -RootPath $root).Installed | Should -BeFalse

            $installed = Install-AzsBackupService -RootPath $root
            $installed.PSObject.TypeNames[0] | Should -Be 'AzsBackup.ServiceStatus'
            $installed.Installed | Should -BeTrue
            $installed.Enabled | Should -BeTrue
            $installed.StateDirectory | Should -Be $env:AZSBACKUP_HOME
            Test-Path -LiteralPath $wantsPath | Should -BeTrue
            $unit = Get-Content -LiteralPath $unitPath -Raw
            $unit | Should -Match ('(?m)^Environment=AZSBACKUP_HOME={0}$' -f [regex]::Escape($env:AZSBACKUP_HOME))
            $unit | Should -Match '(?m)^ExecStart=\S+azsbackup service run$'
            # The state directory and the role live under /tmp here: a private /tmp would hide them.
            $unit | Should -Not -Match '(?m)^PrivateTmp=yes'
            $unit | Should -Match '(?m)^# No PrivateTmp: it would hide '
            $verify = & systemd-analyze verify $unitPath 2>&1
            $LASTEXITCODE | Should -Be 0 -Because ($verify | Out-String)

            $shown = Get-AzsBackupService -RootPath $root
            $shown.Enabled | Should -BeTrue
            ($shown | Out-String -Width 80) | Should -Match 'Installed\s+: True'

            Uninstall-AzsBackupService -RootPath $root -WhatIf
            Test-Path -LiteralPath $unitPath | Should -BeTrue
            $removed = Uninstall-AzsBackupService -RootPath $root -Confirm:$false
            $removed.Installed | Should -BeFalse
            Test-Path -LiteralPath $unitPath | Should -BeFalse
            Test-Path -LiteralPath $wantsPath | Should -BeFalse
        }
    }

    Context 'small things' {
        It 'says when a prune finds nothing, and not when it finds something' {
            # A backup folder of its own, so what the prune finds is only what this test puts there.
            $folder = Join-Path -Path $TestDrive -ChildPath ('prune-{0}' -f [guid]::NewGuid().ToString('N'))
            $null = New-Item -ItemType Directory -Path $folder
            $null = Set-AzsBackupConfiguration -Path $folder -EncryptionCertPath $script:cerPath
            $said = $null
            $list = Invoke-AzsPruneBackupLocationExternalStore -OperationType DryRun -PassThru -InformationVariable said
            $list.PathsToDelete.Count | Should -Be 0
            ($said | Out-String) | Should -BeLike '*DryRun: nothing would be deleted*'

            # An abandoned upload (a backup folder without BackupInfo.json, days old) is something.
            $abandoned = Join-Path -Path $folder -ChildPath ('MASBackup/{0}' -f [guid]::NewGuid())
            $null = New-Item -ItemType Directory -Path $abandoned
            (Get-Item -LiteralPath $abandoned).LastWriteTimeUtc = [datetime]::UtcNow.AddDays(-3)
            $saidAgain = $null
            $found = Invoke-AzsPruneBackupLocationExternalStore -OperationType DryRun -PassThru -InformationVariable saidAgain
            @($found.PathsToDelete | Where-Object -FilterScript { $_ -like "*$(Split-Path -Path $abandoned -Leaf)*" }).Count | Should -Be 1
            ($saidAgain | Out-String) | Should -Not -BeLike '*nothing would be deleted*'
        }

        It 'completes the engine''s Backup objects in place, giving the objects it builds for any other shape' {
            $null = Set-TestConfiguration
            if (-not (Get-AzsBackupRole -Name 'KeyVault' -ErrorAction SilentlyContinue)) {
                $null = Add-AzsBackupRole -Name 'KeyVault' -Path (New-RoleData -Name 'KeyVault')
            }
            $null = Start-AzsBackup
            $module = Get-Module -Name AzsBackup
            $engineList = { function Read-EngineList { [CmdletBinding()] param() Invoke-AzsBackupEngine -Caller $PSCmdlet -ArgumentList 'backup', 'list' -Activity 'List backups' }; Read-EngineList }
            # The engine's data as Get-AzsBackup receives it: one array, not enumerated.
            $asParsed = & $module $engineList
            $asParsed.Count | Should -BeGreaterThan 0
            # The same data with BackupId moved first: no longer the engine's shape, so rebuilt.
            $reordered = foreach ($backup in (& $module $engineList)) {
                $shape = [ordered]@{ BackupId = $backup.BackupId }
                foreach ($property in $backup.PSObject.Properties) {
                    if ($property.Name -ne 'BackupId') { $shape[$property.Name] = $property.Value }
                }
                [pscustomobject]$shape
            }
            $convert = { param($Data) ConvertTo-AzsBackupObject -InputObject $Data }
            $inPlace = @(& $module $convert $asParsed)
            $rebuilt = @(& $module $convert @($reordered))
            # In place: the parsed object itself now carries the finished Tag table.
            $asParsed[0].Tag | Should -BeOfType [hashtable]
            $reordered[0].Tag | Should -Not -BeOfType [hashtable]

            $describe = {
                param($Backup)
                $lines = [System.Collections.Generic.List[string]]::new()
                $lines.Add(($Backup.PSObject.TypeNames -join '|'))
                foreach ($property in $Backup.PSObject.Properties) {
                    $value = $property.Value
                    $text = if ($value -is [datetime]) { '{0:o} {1}' -f $value, $value.Kind }
                    elseif ($value -is [hashtable]) { 'table of {0}' -f $value.Count }
                    elseif ($property.Name -eq 'RoleStatus') { ($value | ForEach-Object -Process { '{0} [{1}] {2}' -f "$_", ($_.PSObject.TypeNames -join '|'), (($_.PSObject.Properties | ForEach-Object -Process { '{0}={1}' -f $_.Name, $_.Value }) -join ';') }) -join ', ' }
                    else { [string]$value }
                    $type = if ($null -eq $value) { 'null' } else { $value.GetType().FullName }
                    $lines.Add(('{0} {1} {2}' -f $property.Name, $type, $text))
                }
                $lines -join "`n"
            }
            $inPlace.Count | Should -Be $rebuilt.Count
            for ($i = 0; $i -lt $inPlace.Count; $i++) {
                (& $describe $inPlace[$i]) | Should -BeExactly (& $describe $rebuilt[$i])
            }
            # Converting finished objects again rebuilds them, to the same result.
            $again = @(& $module $convert $inPlace)
            for ($i = 0; $i -lt $again.Count; $i++) {
                (& $describe $again[$i]) | Should -BeExactly (& $describe $rebuilt[$i])
            }
            ($inPlace[0].PSObject.Properties.Name -join ',') | Should -BeExactly 'Id,Name,Type,Location,Tag,Tags,BackupId,BackupDataVersion,Status,RoleStatus,CreatedDateTime,TimeTakenToCreate,DeploymentId,StampVersion,OemVersion,IsCloudRecoveryReady,EncryptionCertThumbprint,SizeInBytes,SourceSizeInBytes,CompletedDateTime'
            [object]::ReferenceEquals($inPlace[0].Tag, $inPlace[0].Tags) | Should -BeFalse
            "$($inPlace[0].RoleStatus[0])" | Should -Be $inPlace[0].RoleStatus[0].RoleName
        }

        It 'documents -Path as a UNC path or a local folder, and a local folder works' {
            $help = (Get-Help -Name Set-AzsBackupConfiguration -Parameter Path | Out-String)
            $help | Should -BeLike '*local or mounted folder*'
            $folder = Join-Path -Path $TestDrive -ChildPath ('local-{0}' -f [guid]::NewGuid().ToString('N'))
            $null = New-Item -ItemType Directory -Path $folder
            (Set-AzsBackupConfiguration -Path $folder -EncryptionCertPath $script:cerPath).Path | Should -Be $folder
        }

        It 'creates a missing folder on the share with -Force, and refuses it without' {
            $null = Set-TestConfiguration
            $before = Get-ConfigurationSnapshot
            $nested = '{0}\new-{1}\nyc' -f $script:unc, [guid]::NewGuid().ToString('N')
            $record = Get-TerminatingError -ScriptBlock { Set-AzsBackupConfiguration -Path $nested }
            Assert-AzsBackupError -Record $record -ErrorId 'AzsBackup.SharePathFault' -Category 'ObjectNotFound'
            Get-ConfigurationSnapshot | Should -Be $before
            (Set-AzsBackupConfiguration -Path $nested -Force).Path | Should -Be $nested
            $relative = ($nested.Substring($script:unc.Length + 1)).Replace('\', '/')
            Test-Path -LiteralPath (Join-Path -Path $env:AZSB_TEST_SHARE_DIR -ChildPath "$relative/MASBackup") -PathType Container | Should -BeTrue
        }

        It 'Set-AzsBackupRole changes a role path; a bad one changes nothing' {
            $null = Set-TestConfiguration
            $oldData = New-RoleData -Name 'KeyVault'
            $newData = New-RoleData -Name 'KeyVault'
            $null = Add-AzsBackupRole -Name 'KeyVault' -Path $oldData
            $missing = Join-Path -Path $TestDrive -ChildPath 'no-such-role-dir'
            $record = Get-TerminatingError -ScriptBlock { Set-AzsBackupRole -Name 'KeyVault' -Path $missing }
            Assert-AzsBackupError -Record $record -ErrorId 'AzsBackup.SourceRejected' -Category 'InvalidArgument'
            (Get-AzsBackupRole -Name 'KeyVault').Path | Should -Be $oldData
            $record = Get-TerminatingError -ScriptBlock { Set-AzsBackupRole -Name 'WAS' -Path $newData }
            Assert-AzsBackupError -Record $record -ErrorId 'AzsBackup.RoleNotFound' -Category 'ObjectNotFound'

            Set-AzsBackupRole -Name 'KeyVault' -Path $newData -WhatIf
            (Get-AzsBackupRole -Name 'KeyVault').Path | Should -Be $oldData
            $changed = Set-AzsBackupRole -Name 'KeyVault' -Path $newData
            $changed.Path | Should -Be $newData
            (Get-AzsBackupRole -Name 'KeyVault').Path | Should -Be $newData
            $backup = Start-AzsBackup
            $destination = Join-Path -Path $TestDrive -ChildPath ('restore-moved-{0}' -f [guid]::NewGuid().ToString('N'))
            Restore-AzsBackup -Name $backup.Name -DecryptionCertPath $script:pfxPath -DecryptionCertPassword $script:pfxPassword -DestinationPath $destination -Force
            Assert-RestoredCopy -Original $newData -Restored $destination
        }
    }

}

Describe 'the environment the module starts the engine with' {
    BeforeAll {
        Import-Module -Name (Join-Path -Path $PSScriptRoot -ChildPath '../../AzsBackup.psd1') -Force -ErrorAction Stop
        # A stand-in engine that answers 'role list' with what it found in its environment.
        $script:probe = Join-Path -Path $TestDrive -ChildPath 'env-probe'
        Set-Content -LiteralPath $script:probe -Value @(
            '#!/bin/sh'
            'printf ''{"type":"result","data":[{"Name":"arena-%s trim-%s mmap-%s","Path":"/probe"}]}\n'' "$MALLOC_ARENA_MAX" "$MALLOC_TRIM_THRESHOLD_" "$MALLOC_MMAP_THRESHOLD_"'
        )
        chmod +x $script:probe
        $script:mallocNames = 'MALLOC_ARENA_MAX', 'MALLOC_TRIM_THRESHOLD_', 'MALLOC_MMAP_THRESHOLD_'
    }
    BeforeEach {
        $script:savedBinary = $env:AZSBACKUP_BINARY
        $script:savedMalloc = @{}
        foreach ($name in $script:mallocNames) { $script:savedMalloc[$name] = [Environment]::GetEnvironmentVariable($name) }
        $env:AZSBACKUP_BINARY = $script:probe
    }
    AfterEach {
        $env:AZSBACKUP_BINARY = $script:savedBinary
        foreach ($name in $script:mallocNames) { [Environment]::SetEnvironmentVariable($name, $script:savedMalloc[$name]) }
    }

    It 'limits glibc to two malloc arenas and keeps freed memory on Linux, and keeps a value the caller set' {
        foreach ($name in $script:mallocNames) { [Environment]::SetEnvironmentVariable($name, $null) }
        (Get-AzsBackupRole).Name | Should -Be 'arena-2 trim-67108864 mmap-33554432'
        $env:MALLOC_ARENA_MAX = '4'
        $env:MALLOC_TRIM_THRESHOLD_ = '1048576'
        (Get-AzsBackupRole).Name | Should -Be 'arena-4 trim-1048576 mmap-33554432'
    }
}

Describe 'every exported command and parameter set ran for real above' {
    It '<Key>' -ForEach $script:realCallCases {
        $global:AzsBackupRealCalls | Should -Contain $Key -Because 'each exported command, in each parameter set, needs a behaviour test against the real engine and share'
    }
}
