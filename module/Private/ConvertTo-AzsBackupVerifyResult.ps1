function ConvertTo-AzsBackupVerifyResult {
    <#
    .SYNOPSIS
        Shapes one role of the engine's VerifyResult into an AzsBackup.VerifyResult.

    .DESCRIPTION
        Test-AzsBackup returns one object per role: the backup, the role, how deeply it was checked
        (Checksums: every volume's size and SHA-256; Full: every chunk authenticated with the
        private key and every file compared with the encrypted manifest), and what was read.

    .PARAMETER InputObject
        One entry of the Roles array of the engine's 'backup verify' result.

    .PARAMETER Name
        The backup's Name ('region/guid'), as Get-AzsBackup shows it.

    .OUTPUTS
        AzsBackup.VerifyResult
    #>
    [CmdletBinding()]
    [OutputType('AzsBackup.VerifyResult')]
    param(
        [Parameter(Mandatory, ValueFromPipeline)]
        [AllowNull()]
        [object]
        $InputObject,

        [Parameter()]
        [AllowNull()]
        [string]
        $Name
    )

    process {
        if ($null -eq $InputObject) {
            return
        }
        $files = Get-AzsBackupMemberValue -InputObject $InputObject -Name 'Files'
        if ($null -ne $files) {
            $files = [long]$files
        }
        $shaped = [ordered]@{
            Name     = $Name
            BackupId = [string](Get-AzsBackupMemberValue -InputObject $InputObject -Name 'BackupId')
            RoleName = [string](Get-AzsBackupMemberValue -InputObject $InputObject -Name 'RoleName')
            Level    = [string](Get-AzsBackupMemberValue -InputObject $InputObject -Name 'Level')
            Verified = [bool](Get-AzsBackupMemberValue -InputObject $InputObject -Name 'Verified')
            Volumes  = [int](Get-AzsBackupMemberValue -InputObject $InputObject -Name 'Volumes')
            Bytes    = [long](Get-AzsBackupMemberValue -InputObject $InputObject -Name 'Bytes')
            Files    = $files
        }
        $result = [pscustomobject]$shaped
        Add-AzsBackupTypeName -InputObject $result -TypeName 'AzsBackup.VerifyResult'
        $result
    }
}
