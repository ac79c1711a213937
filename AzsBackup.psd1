@{
    # Infrastructure backup for Azure Stack-style operators. The module is a thin layer over the
    # azsbackup engine binary (binaries/<os>-<arch>/azsbackup); see docs/CLI.md for that contract.
    RootModule           = 'module/AzsBackup.psm1'
    ModuleVersion        = '0.1.0'
    GUID                 = '520c58a1-9fc3-47bf-8d06-721065d045af'
    Author               = 'AzsBackup contributors'
    CompanyName          = 'AzsBackup'
    Copyright            = '(c) AzsBackup contributors. MIT License.'
    Description          = 'Infrastructure backup for Azure Stack-style operators. Drop-in for the Azs.Backup.Admin cmdlets (AzureRM 0.1-0.3 and Az 1.0.x lines) over a standalone backup engine.'
    PowerShellVersion    = '7.2'
    CompatiblePSEditions = @('Core')
    FormatsToProcess     = @('module/AzsBackup.Format.ps1xml')

    # Explicit lists only: wildcards make command discovery slow and hide accidental exports.
    FunctionsToExport    = @(
        'Add-AzsBackupRole'
        'Clear-AzsBackupConfiguration'
        'Disable-AzsBackupSchedule'
        'Enable-AzsBackupSchedule'
        'Get-AzsBackup'
        'Get-AzsBackupConfiguration'
        'Get-AzsBackupRole'
        'Get-AzsBackupService'
        'Get-AzsBackupStatus'
        'Install-AzsBackupService'
        'Invoke-AzsPruneBackupLocationExternalStore'
        'New-AzsBackupEncryptionCertificate'
        'New-AzsEncryptionKeyBase64'
        'Remove-AzsBackupRole'
        'Restore-AzsBackup'
        'Set-AzsBackupConfiguration'
        'Set-AzsBackupRole'
        'Start-AzsBackup'
        'Test-AzsBackup'
        'Uninstall-AzsBackupService'
        'Update-AzsBackupConfiguration'
    )
    CmdletsToExport      = @()
    VariablesToExport    = @()
    AliasesToExport      = @(
        'Get-AzsBackupLocation'
        'Set-AzsBackupShare'
    )

    PrivateData          = @{
        PSData = @{
            Tags         = @('AzureStack', 'Backup', 'Azs.Backup.Admin', 'Infrastructure', 'SMB', 'AzureBlob')
            # The repository's address is an assumption until the project is published: change
            # both here (and nowhere else) if it lives elsewhere.
            LicenseUri   = 'https://github.com/azsbackup/azsbackup/blob/main/LICENSE'
            ProjectUri   = 'https://github.com/azsbackup/azsbackup'
            ReleaseNotes = '0.1.0: first release. The Azs.Backup.Admin cmdlets (Az 1.0.x and AzureRM 0.2-0.3 forms), schedule, status and role cmdlets, over a standalone engine for Linux x64 and Windows x64 shipped inside the module.'
        }
    }
}
