#Requires -Version 7.2
<#
    The demo's script, run by scripts/demo-host.ts: each command is printed as it would be typed at
    a prompt, then run, then its output is shown. Any error stops the demo with a non-zero exit.
    The stage (share, account, certificates, sample data) comes from DEMO_* variables.
#>
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
$PSStyle.OutputRendering = 'PlainText'

function Show-Command {
    param([Parameter(Mandatory)] [string] $Command)
    Write-Host ''
    Write-Host "PS> $Command"
    # Called dot-sourced (". Show-Command"), so what a command sets is there for the next one, as at a prompt.
    $output = . ([scriptblock]::Create($Command)) | Out-String -Width 120
    if ($output.Trim()) {
        Write-Host $output.TrimEnd()
    }
}

$work = $env:DEMO_WORK
Copy-Item -LiteralPath $env:DEMO_CER -Destination (Join-Path $work 'AzSIBCCert.cer')
Copy-Item -LiteralPath $env:DEMO_PFX -Destination (Join-Path $work 'AzSIBCCert.pfx')
Set-Location -LiteralPath (Split-Path -Parent $PSScriptRoot)

Write-Host "The share $env:DEMO_SHARE is reached as $env:DEMO_USER; the passwords come from the demo's environment."
. Show-Command 'Import-Module ./AzsBackup.psd1'
. Show-Command 'Set-Location $env:DEMO_WORK'
. Show-Command '$sharePassword = ConvertTo-SecureString $env:DEMO_SHARE_PASSWORD -AsPlainText -Force'
. Show-Command '$pfxPassword = ConvertTo-SecureString $env:DEMO_PFX_PASSWORD -AsPlainText -Force'
. Show-Command 'Add-AzsBackupRole -Name KeyVault -Path ./data/KeyVault'
. Show-Command 'Add-AzsBackupRole -Name WAS -Path ./data/WAS'
. Show-Command "Set-AzsBackupConfiguration -Path '$env:DEMO_SHARE' -UserName '$env:DEMO_USER' -Password `$sharePassword -EncryptionCertPath ./AzSIBCCert.cer -BackupFrequencyInHours 12 -BackupRetentionPeriodInDays 7"
. Show-Command '$backup = Start-AzsBackup'
. Show-Command '$backup | Format-List Name, Status, CreatedDateTime, TimeTakenToCreate, EncryptionCertThumbprint, RoleStatus'
. Show-Command 'Get-AzsBackup | Sort-Object CreatedDateTime | Select-Object -Last 1'
. Show-Command 'Get-AzsBackupStatus'
. Show-Command 'Restore-AzsBackup -Name $backup.Name -DecryptionCertPath ./AzSIBCCert.pfx -DecryptionCertPassword $pfxPassword -DestinationPath ./restored -Force -PassThru'

# The byte-for-byte check, shown like the rest.
. Show-Command @'
$differences = foreach ($role in 'KeyVault', 'WAS') {
    foreach ($file in Get-ChildItem -LiteralPath "./data/$role" -Recurse -File) {
        $relative = [System.IO.Path]::GetRelativePath((Resolve-Path "./data/$role"), $file.FullName)
        $copy = Get-ChildItem -LiteralPath ./restored -Recurse -File | Where-Object { $_.FullName.EndsWith("$role/$relative") } | Select-Object -First 1
        if ($null -eq $copy -or (Get-FileHash $copy.FullName).Hash -ne (Get-FileHash $file.FullName).Hash) { $file.FullName }
    }
}
if ($differences) { throw "restored copy differs: $differences" } else { 'restored data is byte-identical to the original' }
'@
