function ConvertTo-AzsBackupRole {
    <#
    .SYNOPSIS
        Shapes an engine BackupRole (a data source: role name and local directory).

    .PARAMETER InputObject
        One BackupRole from the engine's result data.

    .OUTPUTS
        AzsBackup.BackupRole
    #>
    [CmdletBinding()]
    [OutputType('AzsBackup.BackupRole')]
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
            Name = [string](Get-AzsBackupMemberValue -InputObject $InputObject -Name 'Name')
            Path = [string](Get-AzsBackupMemberValue -InputObject $InputObject -Name 'Path')
        }
        foreach ($property in @($InputObject.PSObject.Properties)) {
            if (-not $shaped.Contains($property.Name)) {
                $shaped[$property.Name] = $property.Value
            }
        }
        $role = [pscustomobject]$shaped
        Add-AzsBackupTypeName -InputObject $role -TypeName 'AzsBackup.BackupRole'
        $role
    }
}
