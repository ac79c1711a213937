#Requires -Version 7.2
<#
    Behaviour of the module against the REAL engine binary and a REAL Samba share.

    The test runner passes the share and certificates in the environment:
      AZSB_TEST_UNC            UNC path of the share, e.g. \\127.0.0.1\backup
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

        foreach ($variableName in @('AZSB_TEST_UNC', 'AZSB_TEST_USER', 'AZSB_TEST_PASSWORD', 'AZSB_TEST_CERT_CER', 'AZSB_TEST_CERT_PFX', 'AZSB_TEST_PFX_PASSWORD', 'AZSB_TEST_OTHER_PFX', 'AZSB_TEST_BLOB_ENDPOINT', 'AZSB_TEST_BLOB_KEY', 'AZSB_TEST_BLOB_SAS_URL')) {
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

        It 'Invoke-AzsPruneBackupLocationExternalStore -OperationType DryRun -PassThru returns a PruneList' {
            $null = Set-TestConfiguration
            $list = Invoke-AzsPruneBackupLocationExternalStore -OperationType DryRun -PassThru
            $list.PSObject.TypeNames[0] | Should -Be 'AzsBackup.PruneList'
            $list.Deleted | Should -BeFalse
            , $list.PathsToDelete | Should -BeOfType [string[]]
        }
    }
}

Describe 'every exported command and parameter set ran for real above' {
    It '<Key>' -ForEach $script:realCallCases {
        $global:AzsBackupRealCalls | Should -Contain $Key -Because 'each exported command, in each parameter set, needs a behaviour test against the real engine and share'
    }
}
