function Invoke-AzsBackupVerify {
    <#
    .SYNOPSIS
        Runs 'azsbackup backup verify' for Test-AzsBackup as a command of its own.

    .DESCRIPTION
        The engine's errors become terminating errors of THIS command, which Test-AzsBackup
        catches and writes as non-terminating errors, so one damaged backup in the pipeline does
        not stop the check of the others (a terminating error of Test-AzsBackup itself could not
        be caught there).

    .PARAMETER ArgumentList
        The engine arguments: 'backup', 'verify', the id and the options.

    .PARAMETER Secret
        The stdin secrets (pfxPassword), passed through to Invoke-AzsBackupEngine.

    .OUTPUTS
        System.Object. The engine's VerifyResult.
    #>
    [CmdletBinding()]
    [OutputType([object])]
    param(
        [Parameter(Mandatory)]
        [string[]]
        $ArgumentList,

        [Parameter()]
        [AllowNull()]
        [System.Collections.IDictionary]
        $Secret
    )

    Invoke-AzsBackupEngine -Caller $PSCmdlet -ArgumentList $ArgumentList -Secret $Secret -Activity 'Verify backup'
}
