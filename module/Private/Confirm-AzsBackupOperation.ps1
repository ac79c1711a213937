function Confirm-AzsBackupOperation {
    <#
    .SYNOPSIS
        ShouldProcess or ShouldContinue for a public cmdlet, where "could not ask" means "stop".

    .DESCRIPTION
        When PowerShell has to prompt but cannot (pwsh -NonInteractive, a scheduled task, a
        remote or job session without a host UI), ShouldProcess and ShouldContinue throw. Called
        directly inside `if (-not $PSCmdlet.ShouldContinue(...)) { return }`, that exception is a
        statement-terminating error: it ends the `if`, and the cmdlet then goes on as if the user
        had said yes. Every confirmation in the module therefore goes through here, which turns a
        prompt that could not be shown into a terminating AzsBackup.ConfirmationRequired error on
        the calling cmdlet, before anything has changed.

        Returns the answer ($true to go on, $false when the user declined or -WhatIf was given).

    .PARAMETER Caller
        The $PSCmdlet of the public cmdlet.

    .PARAMETER Target
        ShouldProcess: what the operation acts on.

    .PARAMETER Action
        ShouldProcess: the operation.

    .PARAMETER Query
        ShouldContinue: the question.

    .PARAMETER Caption
        ShouldContinue: the caption of the prompt.

    .PARAMETER RecommendedAction
        How to run the command without a prompt. For ShouldProcess it defaults to -Confirm:$false,
        which is what skips that prompt; a ShouldContinue site names its own switch (-Force).

    .OUTPUTS
        System.Boolean
    #>
    [CmdletBinding(DefaultParameterSetName = 'ShouldProcess')]
    [OutputType([bool])]
    param(
        [Parameter(Mandatory)]
        [System.Management.Automation.PSCmdlet]
        $Caller,

        [Parameter(ParameterSetName = 'ShouldProcess', Mandatory)]
        [string]
        $Target,

        [Parameter(ParameterSetName = 'ShouldProcess', Mandatory)]
        [string]
        $Action,

        [Parameter(ParameterSetName = 'ShouldContinue', Mandatory)]
        [string]
        $Query,

        [Parameter(ParameterSetName = 'ShouldContinue', Mandatory)]
        [string]
        $Caption,

        [Parameter(ParameterSetName = 'ShouldProcess')]
        [Parameter(ParameterSetName = 'ShouldContinue', Mandatory)]
        [string]
        $RecommendedAction = 'Run it again with -Confirm:$false to go ahead without a prompt, or with -WhatIf to see what it would change.'
    )

    $commandName = $Caller.MyInvocation.MyCommand.Name
    try {
        if ($PSCmdlet.ParameterSetName -eq 'ShouldContinue') {
            return [bool]$Caller.ShouldContinue($Query, $Caption)
        }
        return [bool]$Caller.ShouldProcess($Target, $Action)
    }
    catch {
        $reason = $_.Exception
        if ($reason -is [System.Management.Automation.MethodInvocationException] -and $null -ne $reason.InnerException) {
            $reason = $reason.InnerException
        }
        # Ctrl+C at the prompt stops the pipeline; that is the user's answer, not a failure to ask.
        if ($reason -is [System.Management.Automation.PipelineStoppedException]) {
            throw
        }
        $subject = $Target
        if ($PSCmdlet.ParameterSetName -eq 'ShouldContinue') {
            $subject = $Caption
        }
        $message = '{0} needs confirmation and this session cannot ask for it ({1}). Nothing was changed.' -f $commandName, $reason.Message
        $Caller.ThrowTerminatingError((New-AzsBackupErrorRecord -Message $message -ErrorId 'AzsBackup.ConfirmationRequired' -Category InvalidOperation -TargetObject $subject -RecommendedAction $RecommendedAction -Exception $reason))
    }
}
