function Start-AzsBackupJob {
    <#
    .SYNOPSIS
        Runs a public AzsBackup cmdlet as a PowerShell job (-AsJob) and returns the job.

    .DESCRIPTION
        Uses Start-ThreadJob when it is available (it ships with PowerShell 7): the job runs in
        this process, so SecureString parameters are handed over as they are and the job output
        keeps its PSTypeNames. Otherwise Start-Job is used, importing the module by its manifest
        path; PowerShell's job serializer carries SecureStrings encrypted with the session key.

        The calling cmdlet has already done ShouldProcess/ShouldContinue and resolved relative
        paths against the caller's location; the job re-runs the cmdlet without -AsJob, with
        -Confirm:$false and any -Override values (resolved paths, -Force after a confirmation).
        Switch values are passed as [bool] so they survive serialization.

    .PARAMETER CommandName
        The public cmdlet to run, e.g. Start-AzsBackup.

    .PARAMETER BoundParameters
        The caller's $PSBoundParameters.

    .PARAMETER Override
        Parameters to set or replace in the job's call.

    .PARAMETER Exclude
        Bound parameters to leave out of the job's call (replaced by normalized ones in -Override).

    .OUTPUTS
        System.Management.Automation.Job
    #>
    [CmdletBinding()]
    [OutputType([System.Management.Automation.Job])]
    param(
        [Parameter(Mandatory)]
        [string]
        $CommandName,

        [Parameter(Mandatory)]
        [System.Collections.IDictionary]
        $BoundParameters,

        [Parameter()]
        [System.Collections.IDictionary]
        $Override = @{},

        [Parameter()]
        [string[]]
        $Exclude = @()
    )

    $jobParameters = @{}
    foreach ($key in @($BoundParameters.Keys)) {
        if ($key -in @('AsJob', 'WhatIf', 'Confirm') -or $key -in $Exclude) {
            continue
        }
        $jobParameters[[string]$key] = $BoundParameters[$key]
    }
    foreach ($key in @($Override.Keys)) {
        $jobParameters[[string]$key] = $Override[$key]
    }
    $jobParameters['Confirm'] = $false
    foreach ($key in @($jobParameters.Keys)) {
        if ($jobParameters[$key] -is [System.Management.Automation.SwitchParameter]) {
            $jobParameters[$key] = $jobParameters[$key].IsPresent
        }
    }

    $scriptBlock = {
        param($ManifestPath, $Command, $Arguments)
        Import-Module -Name $ManifestPath -ErrorAction Stop
        & $Command @Arguments
    }

    $jobName = 'AzsBackup-{0}' -f $CommandName
    $jobArguments = @($script:AzsBackupManifestPath, $CommandName, $jobParameters)
    if ($null -ne (Get-Command -Name 'Start-ThreadJob' -ErrorAction Ignore)) {
        Start-ThreadJob -Name $jobName -ScriptBlock $scriptBlock -ArgumentList $jobArguments
    }
    else {
        Start-Job -Name $jobName -ScriptBlock $scriptBlock -ArgumentList $jobArguments
    }
}
