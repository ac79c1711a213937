function ConvertTo-AzsBackupServiceStatus {
    <#
    .SYNOPSIS
        Shapes the engine's 'service show' result (or a Windows scheduled task) into an AzsBackup.ServiceStatus.

    .PARAMETER InputObject
        The 'data' of the engine's result line for 'service show', 'install' or 'uninstall', or a
        hashtable with the same names built from Task Scheduler on Windows.

    .OUTPUTS
        AzsBackup.ServiceStatus
    #>
    [CmdletBinding()]
    [OutputType('AzsBackup.ServiceStatus')]
    param(
        [Parameter(Mandatory, ValueFromPipeline)]
        [AllowNull()]
        [object]
        $InputObject
    )

    process {
        if ($null -eq $InputObject) {
            return
        }
        $shaped = [ordered]@{
            Name           = [string](Get-AzsBackupMemberValue -InputObject $InputObject -Name 'Name')
            Platform       = [string](Get-AzsBackupMemberValue -InputObject $InputObject -Name 'Platform')
            Installed      = [bool](Get-AzsBackupMemberValue -InputObject $InputObject -Name 'Installed')
            Enabled        = [bool](Get-AzsBackupMemberValue -InputObject $InputObject -Name 'Enabled')
            ActiveState    = Get-AzsBackupMemberValue -InputObject $InputObject -Name 'ActiveState'
            UnitPath       = Get-AzsBackupMemberValue -InputObject $InputObject -Name 'UnitPath'
            BinaryPath     = Get-AzsBackupMemberValue -InputObject $InputObject -Name 'BinaryPath'
            StateDirectory = Get-AzsBackupMemberValue -InputObject $InputObject -Name 'StateDirectory'
            RootPath       = Get-AzsBackupMemberValue -InputObject $InputObject -Name 'RootPath'
        }
        $status = [pscustomobject]$shaped
        Add-AzsBackupTypeName -InputObject $status -TypeName 'AzsBackup.ServiceStatus'
        $status
    }
}
