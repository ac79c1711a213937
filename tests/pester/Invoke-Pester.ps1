#Requires -Version 7.2
<#
.SYNOPSIS
    Runs the AzsBackup Pester suites and prints one summary line.

.DESCRIPTION
    Imports Pester 5 from a repository-local module path ($env:AZSB_PESTER_PATH or -PesterPath:
    either a Pester.psd1 file or a folder containing one, e.g. .tools/pester/Pester/5.x.y), runs
    the suites with a Pester configuration (Run.Exit, NUnit XML test results) and prints, as its
    very last line:

        PESTER: <passed> passed, <failed> failed

    The counts are read from the NUnit XML result file, which Pester writes before it exits, so
    the line is printed (from a finally block) even when Run.Exit ends the script with Pester's
    non-zero exit code on failures. Blocks or containers that failed without running a test
    (a failing BeforeAll, a file that does not parse) count as failures too.

.PARAMETER PesterPath
    Pester.psd1, or a folder under which it is found. Defaults to $env:AZSB_PESTER_PATH.

.PARAMETER Path
    Test files or folders to run. Defaults to Contract.Tests.ps1 and Behaviour.Tests.ps1 beside
    this script.

.PARAMETER TestResultPath
    Where to write the NUnit XML results. Defaults to $env:AZSB_PESTER_RESULT, else
    testResults.xml in the temporary folder.

.PARAMETER Verbosity
    Pester output verbosity: None, Normal, Detailed or Diagnostic.

.PARAMETER FullNameFilter
    Run only the tests whose full name matches this wildcard pattern (defaults to
    $env:AZSB_PESTER_FILTER), for working on a few tests. A filtered run fails the last Describe
    of Behaviour.Tests.ps1, which needs every command to have run: scripts/test never filters.

.EXAMPLE
    PS> $env:AZSB_PESTER_PATH = './.tools/pester'
    PS> ./tests/pester/Invoke-Pester.ps1 -TestResultPath ./pester-results.xml
#>
[CmdletBinding()]
param(
    [Parameter()]
    [string]
    $PesterPath = $env:AZSB_PESTER_PATH,

    [Parameter()]
    [string[]]
    $Path = @(
        (Join-Path -Path $PSScriptRoot -ChildPath 'Contract.Tests.ps1')
        (Join-Path -Path $PSScriptRoot -ChildPath 'Behaviour.Tests.ps1')
    ),

    [Parameter()]
    [string]
    $TestResultPath = $env:AZSB_PESTER_RESULT,

    [Parameter()]
    [ValidateSet('None', 'Normal', 'Detailed', 'Diagnostic')]
    [string]
    $Verbosity = 'Detailed',

    [Parameter()]
    [string]
    $FullNameFilter = $env:AZSB_PESTER_FILTER
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

if ([string]::IsNullOrWhiteSpace($TestResultPath)) {
    $TestResultPath = Join-Path -Path ([System.IO.Path]::GetTempPath()) -ChildPath 'azsbackup-pester-results.xml'
}
$TestResultPath = $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($TestResultPath)
if (Test-Path -LiteralPath $TestResultPath) {
    Remove-Item -LiteralPath $TestResultPath -Force
}

function Write-PesterSummary {
    param(
        [Parameter(Mandatory)] [int] $Passed,
        [Parameter(Mandatory)] [int] $Failed
    )
    Write-Host ('PESTER: {0} passed, {1} failed' -f $Passed, $Failed)
}

function Get-NUnitCount {
    # Passed and failed counts from Pester's NUnit 2.5 XML; $null when the file is missing.
    param([Parameter(Mandatory)] [string] $ResultPath)
    if (-not (Test-Path -LiteralPath $ResultPath -PathType Leaf)) {
        return $null
    }
    [xml]$document = Get-Content -LiteralPath $ResultPath -Raw
    $passed = @($document.SelectNodes("//test-case[@result='Success']")).Count
    $failed = @($document.SelectNodes("//test-case[@result='Failure' or @result='Error']")).Count
    # A suite that failed without any failing test case inside it (failed BeforeAll/AfterAll,
    # a container that did not load) still has to count.
    foreach ($suite in @($document.SelectNodes("//test-suite[@result='Failure']"))) {
        if (@($suite.SelectNodes(".//test-case[@result='Failure' or @result='Error']")).Count -eq 0) {
            $failed++
        }
    }
    return [pscustomobject]@{ Passed = $passed; Failed = $failed }
}

# --- Pester from the repository-local path -------------------------------------------------------
if ([string]::IsNullOrWhiteSpace($PesterPath)) {
    Write-Error -Message 'Set AZSB_PESTER_PATH (or pass -PesterPath) to the repository-local Pester 5 module.' -ErrorAction Continue
    Write-PesterSummary -Passed 0 -Failed 1
    exit 1
}
$pesterManifest = $null
if (Test-Path -LiteralPath $PesterPath -PathType Leaf) {
    $pesterManifest = (Resolve-Path -LiteralPath $PesterPath).ProviderPath
}
elseif (Test-Path -LiteralPath $PesterPath -PathType Container) {
    $pesterManifest = Get-ChildItem -LiteralPath $PesterPath -Filter 'Pester.psd1' -File -Recurse |
        Sort-Object -Property { [version](Import-PowerShellDataFile -LiteralPath $_.FullName).ModuleVersion } -Descending |
        Select-Object -First 1 -ExpandProperty FullName
}
if ([string]::IsNullOrWhiteSpace($pesterManifest)) {
    Write-Error -Message "No Pester.psd1 found at '$PesterPath'." -ErrorAction Continue
    Write-PesterSummary -Passed 0 -Failed 1
    exit 1
}
Get-Module -Name 'Pester' | Remove-Module -Force
Import-Module -Name $pesterManifest -Force -ErrorAction Stop
$pester = Get-Module -Name 'Pester'
if ($null -eq $pester -or $pester.Version.Major -lt 5) {
    Write-Error -Message "Pester 5 is required; '$pesterManifest' is not." -ErrorAction Continue
    Write-PesterSummary -Passed 0 -Failed 1
    exit 1
}
Write-Host ('Pester {0} from {1}' -f $pester.Version, $pesterManifest)

# --- Run --------------------------------------------------------------------------------------------
$configuration = New-PesterConfiguration
$configuration.Run.Path = $Path
$configuration.Run.Exit = $true
$configuration.Run.PassThru = $true
$configuration.Output.Verbosity = $Verbosity
if (-not [string]::IsNullOrWhiteSpace($FullNameFilter)) {
    $configuration.Filter.FullName = $FullNameFilter
}
$configuration.TestResult.Enabled = $true
$configuration.TestResult.OutputFormat = 'NUnitXml'
$configuration.TestResult.OutputPath = $TestResultPath

$run = $null
$exitCode = 1
try {
    # With Run.Exit, Invoke-Pester ends the script with a non-zero exit code when anything
    # failed; the finally block below still runs and prints the summary line last.
    $run = Invoke-Pester -Configuration $configuration
    if ($null -ne $run -and $run.Result -eq 'Passed') {
        $exitCode = 0
    }
}
finally {
    $counts = Get-NUnitCount -ResultPath $TestResultPath
    if ($null -eq $counts -and $null -ne $run) {
        $counts = [pscustomobject]@{
            Passed = [int]$run.PassedCount
            Failed = [int]$run.FailedCount + [int]$run.FailedBlocksCount + [int]$run.FailedContainersCount
        }
    }
    if ($null -eq $counts) {
        $counts = [pscustomobject]@{ Passed = 0; Failed = 1 }
    }
    Write-PesterSummary -Passed $counts.Passed -Failed $counts.Failed
}
exit $exitCode
