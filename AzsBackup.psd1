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
            LicenseUri   = ''
            ProjectUri   = ''
            ReleaseNotes = 'First release: the Azs.Backup.Admin surface (Az 1.0.x and AzureRM 0.2-0.3 forms), schedule, status and role cmdlets.'
        }
    }
}
