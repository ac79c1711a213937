function Get-AzsBackupScheduledTask {
    <#
    .SYNOPSIS
        Windows: the state of the 'AzsBackup Scheduler' task, shaped like the engine's 'service show'.

    .PARAMETER EngineStatus
        The engine's 'service show' data (it names the engine binary and the state directory).

    .OUTPUTS
        System.Collections.Hashtable
    #>
    [CmdletBinding()]
    [OutputType([hashtable])]
    param(
        [Parameter(Mandatory)]
        [object]
        $EngineStatus
    )

    $task = Get-ScheduledTask -TaskName 'AzsBackup Scheduler' -ErrorAction SilentlyContinue
    $binary = $null
    if ($null -ne $task) {
        $binary = @($task.Actions)[0].Execute
    }
    $state = $null
    if ($null -ne $task) {
        $state = [string]$task.State
    }
    return @{
        Name           = 'AzsBackup Scheduler'
        Platform       = 'TaskScheduler'
        Installed      = ($null -ne $task)
        Enabled        = ($null -ne $task -and $state -ne 'Disabled')
        ActiveState    = $state
        UnitPath       = $null
        BinaryPath     = $binary
        StateDirectory = Get-AzsBackupMemberValue -InputObject $EngineStatus -Name 'StateDirectory'
        RootPath       = $null
    }
}
