function Resolve-AzsBackupFileSystemPath {
    <#
    .SYNOPSIS
        Turns a PowerShell path (relative, ~, PSDrive) into an absolute file-system path for the engine.

    .DESCRIPTION
        The engine runs as a separate process with its own working directory, so every local
        path handed to it must be absolute. The path does not have to exist. With -MustExist a
        missing file is a terminating ObjectNotFound error with the given message and ErrorId.

    .PARAMETER Caller
        The $PSCmdlet of the public cmdlet (its current location resolves relative paths).

    .PARAMETER Path
        The path as the user typed it.

    .PARAMETER MustExist
        Require an existing file (not a directory).

    .PARAMETER NotFoundMessage
        Message for the missing-file error.

    .PARAMETER NotFoundErrorId
        ErrorId for the missing-file error.

    .OUTPUTS
        System.String
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param(
        [Parameter(Mandatory)]
        [System.Management.Automation.PSCmdlet]
        $Caller,

        [Parameter(Mandatory)]
        [string]
        $Path,

        [Parameter()]
        [switch]
        $MustExist,

        [Parameter()]
        [string]
        $NotFoundMessage = 'The specified file does not exist.',

        [Parameter()]
        [string]
        $NotFoundErrorId = 'AzsBackup.FileNotFound'
    )

    $fullPath = $null
    try {
        $fullPath = $Caller.SessionState.Path.GetUnresolvedProviderPathFromPSPath($Path)
    }
    catch {
        $Caller.ThrowTerminatingError((New-AzsBackupErrorRecord -Message ("'{0}' is not a file-system path: {1}" -f $Path, $_.Exception.Message) -ErrorId 'AzsBackup.InvalidParameter' -Category InvalidArgument -TargetObject $Path -RecommendedAction 'Pass a local file-system path.' -Exception $_.Exception))
    }

    if ($MustExist -and -not [System.IO.File]::Exists($fullPath)) {
        $Caller.ThrowTerminatingError((New-AzsBackupErrorRecord -Message $NotFoundMessage -ErrorId $NotFoundErrorId -Category ObjectNotFound -TargetObject $Path -RecommendedAction 'Check the path and try again.'))
    }
    return $fullPath
}
