function Format-AzsBackupByteSize {
    <#
    .SYNOPSIS
        Formats a byte count for people: 0 B, 512 B, 4.0 KB, 341.2 MB, 1.10 GB (1024-based).

    .DESCRIPTION
        Used by progress messages and warnings. The format file has its own copy of this rule
        inline, because format scriptblocks run outside the module and cannot see its functions.

    .PARAMETER Bytes
        The byte count; $null gives an empty string.

    .OUTPUTS
        System.String
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param(
        [Parameter(Mandatory)]
        [AllowNull()]
        [object]
        $Bytes
    )

    if ($null -eq $Bytes) {
        return ''
    }
    $value = [double]$Bytes
    $units = @('B', 'KB', 'MB', 'GB', 'TB', 'PB')
    $unit = 0
    while ($value -ge 1024 -and $unit -lt ($units.Count - 1)) {
        $value = $value / 1024
        $unit++
    }
    if ($unit -eq 0) {
        return ('{0} B' -f [long]$value)
    }
    $pattern = '{0:0.0} {1}'
    if ($value -lt 10) {
        $pattern = '{0:0.00} {1}'
    }
    return ($pattern -f $value, $units[$unit])
}
