function Remove-AzsBackupTemporaryFile {
    <#
    .SYNOPSIS
        Deletes temporary files made by New-AzsBackupTemporaryFile, ignoring ones already gone.

    .PARAMETER Path
        The files to delete. Null entries are ignored.

    .OUTPUTS
        None
    #>
    [CmdletBinding()]
    [OutputType([void])]
    param(
        [Parameter()]
        [AllowNull()]
        [AllowEmptyCollection()]
        [string[]]
        $Path
    )

    foreach ($file in @($Path)) {
        if ([string]::IsNullOrEmpty($file)) {
            continue
        }
        try {
            [System.IO.File]::Delete($file)
        }
        catch {
            Write-Warning -Message ("Could not delete the temporary file '{0}': {1}" -f $file, $_.Exception.Message)
        }
    }
}
