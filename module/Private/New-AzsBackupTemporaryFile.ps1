function New-AzsBackupTemporaryFile {
    <#
    .SYNOPSIS
        Writes bytes (a certificate from a Base64 property) to a new private temporary file and returns its path.

    .DESCRIPTION
        Used when a piped BackupLocation carries EncryptionCertBase64 or a RestoreOption carries
        DecryptionCertBase64: the engine takes certificate files, not Base64. On Linux and macOS
        the file is made readable by the current user only before anything is written to it.
        The caller deletes the file in a finally block.

    .PARAMETER Caller
        The $PSCmdlet of the public cmdlet, used to report invalid Base64.

    .PARAMETER Base64
        The file content, Base64-encoded.

    .PARAMETER PropertyName
        The property the Base64 came from, for the error message.

    .PARAMETER Extension
        File extension including the dot, e.g. '.cer' or '.pfx'.

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
        $Base64,

        [Parameter(Mandatory)]
        [string]
        $PropertyName,

        [Parameter(Mandatory)]
        [string]
        $Extension
    )

    $content = $null
    try {
        $content = [System.Convert]::FromBase64String($Base64.Trim())
    }
    catch {
        $Caller.ThrowTerminatingError((New-AzsBackupErrorRecord -Message ('{0} is not valid Base64: {1}' -f $PropertyName, $_.Exception.Message) -ErrorId 'AzsBackup.InvalidParameter' -Category InvalidArgument -TargetObject $PropertyName -RecommendedAction ('Set {0} to the Base64 of the certificate file, e.g. [Convert]::ToBase64String([IO.File]::ReadAllBytes($path)).' -f $PropertyName) -Exception $_.Exception))
    }
    $path = [System.IO.Path]::Combine([System.IO.Path]::GetTempPath(), ('azsbackup-{0}{1}' -f [guid]::NewGuid().ToString('N'), $Extension))
    [System.IO.File]::WriteAllBytes($path, [byte[]]@())
    if (-not $IsWindows) {
        try {
            [System.IO.File]::SetUnixFileMode($path, [System.IO.UnixFileMode]'UserRead, UserWrite')
        }
        catch {
            Write-Verbose -Message ('Could not restrict the permissions of a temporary file: {0}' -f $_.Exception.Message)
        }
    }
    [System.IO.File]::WriteAllBytes($path, $content)
    return $path
}
