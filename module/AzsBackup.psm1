#Requires -Version 7.2
<#
    AzsBackup root module.

    Layout (one function per file, the file named after the function):
      module/Private/*.ps1   helpers: the engine call (Invoke-AzsBackupEngine) and object converters
      module/Public/*.ps1    the exported advanced functions

    The manifest (AzsBackup.psd1 at the repository root) lists the exports explicitly; this file
    exports the same names so that importing the .psm1 directly behaves the same way.
#>
Set-StrictMode -Version Latest

# The repository/package root holds AzsBackup.psd1 and binaries/<os>-<arch>/azsbackup.
$script:AzsBackupRoot = Split-Path -Path $PSScriptRoot -Parent
$script:AzsBackupManifestPath = Join-Path -Path $script:AzsBackupRoot -ChildPath 'AzsBackup.psd1'

# glibc malloc settings the engine starts with on Linux (Invoke-AzsBackupEngine); the service unit
# sets the same (ts/schedule/systemd-unit.ts, which says why).
$script:EngineMallocEnvironment = [ordered]@{
    MALLOC_ARENA_MAX       = '2'
    MALLOC_TRIM_THRESHOLD_ = '67108864'
    MALLOC_MMAP_THRESHOLD_ = '33554432'
}

# Utf8JsonWriter is used to hand secrets to the engine on stdin without building a JSON string.
Add-Type -AssemblyName 'System.Text.Json'

$privateFiles = @(Get-ChildItem -LiteralPath (Join-Path -Path $PSScriptRoot -ChildPath 'Private') -Filter '*.ps1' -File -ErrorAction Stop)
$publicFiles = @(Get-ChildItem -LiteralPath (Join-Path -Path $PSScriptRoot -ChildPath 'Public') -Filter '*.ps1' -File -ErrorAction Stop)

foreach ($file in @($privateFiles + $publicFiles)) {
    try {
        . $file.FullName
    }
    catch {
        throw [System.InvalidOperationException]::new(('Failed to load {0}: {1}' -f $file.FullName, $_.Exception.Message), $_.Exception)
    }
}

# Deprecated command names of Azs.Backup.Admin 0.2.x-0.3.x. The target functions detect the alias
# through $MyInvocation.InvocationName and write the same deprecation warning the old module did.
Set-Alias -Name 'Get-AzsBackupLocation' -Value 'Get-AzsBackupConfiguration' -Scope Script
Set-Alias -Name 'Set-AzsBackupShare' -Value 'Set-AzsBackupConfiguration' -Scope Script

# Tab completion of the names the cmdlets take. The script blocks are defined here, so they run
# in the module's scope and can call its private functions.
$backupNameCompleter = {
    param($commandName, $parameterName, $wordToComplete, $commandAst, $fakeBoundParameters)
    Get-AzsBackupNameCompletion -WordToComplete $wordToComplete -ErrorAction Ignore
}
$roleNameCompleter = {
    param($commandName, $parameterName, $wordToComplete, $commandAst, $fakeBoundParameters)
    Get-AzsBackupRoleCompletion -WordToComplete $wordToComplete -ErrorAction Ignore
}
Register-ArgumentCompleter -CommandName 'Get-AzsBackup', 'Restore-AzsBackup', 'Test-AzsBackup' -ParameterName 'Name' -ScriptBlock $backupNameCompleter
Register-ArgumentCompleter -CommandName 'Restore-AzsBackup' -ParameterName 'RoleName' -ScriptBlock $roleNameCompleter
Register-ArgumentCompleter -CommandName 'Get-AzsBackupRole', 'Remove-AzsBackupRole', 'Set-AzsBackupRole' -ParameterName 'Name' -ScriptBlock $roleNameCompleter

Export-ModuleMember -Function @($publicFiles | ForEach-Object -Process { $_.BaseName }) -Alias @('Get-AzsBackupLocation', 'Set-AzsBackupShare')
