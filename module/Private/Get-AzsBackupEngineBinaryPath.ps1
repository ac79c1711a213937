function Get-AzsBackupEngineBinaryPath {
    <#
    .SYNOPSIS
        Returns the full path of the azsbackup engine binary, or throws a clear terminating error.

    .DESCRIPTION
        $env:AZSBACKUP_BINARY wins when set. Otherwise the binary is looked up beside the module:
        <module root>/binaries/<os>-<arch>/azsbackup[.exe], os in linux|win|darwin, arch in x64|arm64.

        On Linux and macOS a module installed from a .nupkg (Install-PSResource, Save-PSResource)
        has lost the engine's execute bit: a zip does not keep it. The bit is put back here, for
        the owner, group and others as a build leaves it; when that is not allowed (an AllUsers
        install owned by root, a read-only file system) the error says which command fixes it.

    .PARAMETER Caller
        The $PSCmdlet of the public cmdlet, used to throw the terminating error.

    .OUTPUTS
        System.String
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param(
        [Parameter(Mandatory)]
        [System.Management.Automation.PSCmdlet]
        $Caller
    )

    $override = $env:AZSBACKUP_BINARY
    if (-not [string]::IsNullOrWhiteSpace($override)) {
        if (Test-Path -LiteralPath $override -PathType Leaf) {
            return (Resolve-Path -LiteralPath $override).ProviderPath
        }
        $Caller.ThrowTerminatingError((New-AzsBackupErrorRecord -Message ("AZSBACKUP_BINARY is set to '{0}', but no file exists there." -f $override) -ErrorId 'AzsBackup.EngineNotFound' -Category ObjectNotFound -TargetObject $override -RecommendedAction 'Point AZSBACKUP_BINARY at a built engine binary, or remove the variable to use the one shipped with the module.'))
    }

    $operatingSystem = $null
    if ($IsWindows) {
        $operatingSystem = 'win'
    }
    elseif ($IsMacOS) {
        $operatingSystem = 'darwin'
    }
    elseif ($IsLinux) {
        $operatingSystem = 'linux'
    }

    $architecture = switch ([string][System.Runtime.InteropServices.RuntimeInformation]::OSArchitecture) {
        'X64' { 'x64' }
        'Arm64' { 'arm64' }
        default { $null }
    }

    if ($null -eq $operatingSystem -or $null -eq $architecture) {
        $Caller.ThrowTerminatingError((New-AzsBackupErrorRecord -Message ("The AzsBackup engine is not built for this platform ({0}, {1})." -f [System.Runtime.InteropServices.RuntimeInformation]::OSDescription, [System.Runtime.InteropServices.RuntimeInformation]::OSArchitecture) -ErrorId 'AzsBackup.EngineNotFound' -Category NotImplemented -TargetObject ([string][System.Runtime.InteropServices.RuntimeInformation]::OSArchitecture) -RecommendedAction 'Build the engine for this platform and set AZSBACKUP_BINARY to its path.'))
    }

    $fileName = 'azsbackup'
    if ($IsWindows) {
        $fileName = 'azsbackup.exe'
    }
    $platform = '{0}-{1}' -f $operatingSystem, $architecture
    $binaryPath = [System.IO.Path]::Combine($script:AzsBackupRoot, 'binaries', $platform, $fileName)

    if (-not [System.IO.File]::Exists($binaryPath)) {
        $Caller.ThrowTerminatingError((New-AzsBackupErrorRecord -Message ("The AzsBackup engine binary was not found at '{0}'." -f $binaryPath) -ErrorId 'AzsBackup.EngineNotFound' -Category ObjectNotFound -TargetObject $binaryPath -RecommendedAction ("Build it from the repository root with 'npm ci' and then 'npm run build', which writes binaries/{0}/{1}; or set the AZSBACKUP_BINARY environment variable to the full path of an engine binary." -f $platform, $fileName)))
    }

    if (-not $IsWindows) {
        $mode = [System.IO.File]::GetUnixFileMode($binaryPath)
        $execute = [System.IO.UnixFileMode]::UserExecute -bor [System.IO.UnixFileMode]::GroupExecute -bor [System.IO.UnixFileMode]::OtherExecute
        if (($mode -band $execute) -ne $execute) {
            try {
                [System.IO.File]::SetUnixFileMode($binaryPath, $mode -bor $execute)
                Write-Verbose -Message ("Restored the execute permission of the engine '{0}' (a package install drops it)." -f $binaryPath)
            }
            catch {
                $Caller.ThrowTerminatingError((New-AzsBackupErrorRecord -Message ("The AzsBackup engine '{0}' is not executable (mode {1}), and its execute permission could not be restored: {2}" -f $binaryPath, [System.Convert]::ToString([int]$mode, 8), $_.Exception.Message) -ErrorId 'AzsBackup.EngineNotExecutable' -Category PermissionDenied -TargetObject $binaryPath -RecommendedAction ("Run once, as the owner of the module files or as root: chmod a+x '{0}'" -f $binaryPath) -Exception $_.Exception))
            }
        }
    }

    return $binaryPath
}
