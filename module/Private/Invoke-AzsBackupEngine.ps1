function Invoke-AzsBackupEngine {
    <#
    .SYNOPSIS
        Runs the azsbackup engine binary once and returns the data of its result line.

    .DESCRIPTION
        The single place where the module starts the engine (docs/CLI.md). The binary is started
        with System.Diagnostics.Process: arguments through ProcessStartInfo.ArgumentList (never a
        command line string), standard input, output and error redirected, UTF-8 both ways.

        Secrets never travel in argv. When -Secret is given, '--secrets-stdin' is appended and ONE
        JSON line is written to the engine's standard input. A SecureString is turned into text
        only inside that write (SecureStringToGlobalAllocUnicode, then ZeroFreeGlobalAllocUnicode);
        the text is never stored in a variable, logged, or put in an error message.

        Standard output is read as JSON Lines:
          progress -> Write-Progress (Id 1; with byte counts: done/total, rate and time left,
                      and the role being read as Id 2 under it)
          warning  -> Write-Warning
          result   -> returned            error   -> terminating ErrorRecord on the caller
        The ErrorRecord has ErrorId 'AzsBackup.<code>', the category the engine names (an
        [System.Management.Automation.ErrorCategory] value), TargetObject = error.target,
        ErrorDetails.RecommendedAction = error.remediation, and the engine's message.
        A non-zero exit without an error line is a terminating error carrying the stderr text.

    .PARAMETER Caller
        The $PSCmdlet of the public cmdlet; errors are thrown with its ThrowTerminatingError so
        they are reported against the command the user ran.

    .PARAMETER ArgumentList
        Engine arguments, e.g. 'backup', 'list', '--top', '1'. Must never contain a secret.

    .PARAMETER Secret
        Names and values for the stdin secrets object (password, encryptionKey, pfxPassword).
        Values are SecureString or, for objects that carry plain text by design (a piped
        BackupLocation's Password, a RestoreOption hashtable), String. Null values are skipped.

    .PARAMETER Activity
        Default Write-Progress activity when a progress line does not name one.

    .PARAMETER NonTerminating
        Report the engine's error with the caller's WriteError and return nothing, instead of a
        terminating error: for commands that go on with the next pipeline input (Test-AzsBackup).

    .OUTPUTS
        System.Object. The 'data' member of the engine's result line (arrays are not enumerated).
    #>
    [CmdletBinding()]
    [OutputType([object])]
    param(
        [Parameter(Mandatory)]
        [System.Management.Automation.PSCmdlet]
        $Caller,

        [Parameter(Mandatory)]
        [string[]]
        $ArgumentList,

        [Parameter()]
        [AllowNull()]
        [System.Collections.IDictionary]
        $Secret,

        [Parameter()]
        [string]
        $Activity = 'AzsBackup',

        [Parameter()]
        [switch]
        $NonTerminating
    )

    $binaryPath = Get-AzsBackupEngineBinaryPath -Caller $Caller

    $useSecrets = $false
    if ($null -ne $Secret) {
        foreach ($secretKey in @($Secret.Keys)) {
            if ($null -ne $Secret[$secretKey]) {
                $useSecrets = $true
            }
        }
    }

    $engineArguments = [System.Collections.Generic.List[string]]::new()
    foreach ($argument in $ArgumentList) {
        $engineArguments.Add($argument)
    }
    if ($useSecrets -and -not $engineArguments.Contains('--secrets-stdin')) {
        $engineArguments.Add('--secrets-stdin')
    }

    # Arguments are names, paths and numbers only (secrets go to stdin), so this is safe to show.
    Write-Verbose -Message ("azsbackup {0}" -f ($engineArguments -join ' '))

    $utf8 = [System.Text.UTF8Encoding]::new($false)
    $startInfo = [System.Diagnostics.ProcessStartInfo]::new()
    $startInfo.FileName = $binaryPath
    foreach ($argument in $engineArguments) {
        $startInfo.ArgumentList.Add($argument)
    }
    $startInfo.UseShellExecute = $false
    $startInfo.CreateNoWindow = $true
    $startInfo.RedirectStandardInput = $true
    $startInfo.RedirectStandardOutput = $true
    $startInfo.RedirectStandardError = $true
    $startInfo.StandardInputEncoding = $utf8
    $startInfo.StandardOutputEncoding = $utf8
    $startInfo.StandardErrorEncoding = $utf8
    # glibc malloc settings, the same as the service unit's (ts/schedule/systemd-unit.ts says
    # why): two arenas cut the engine's peak RSS by ~25 MB on a restore; the two thresholds keep
    # freed memory in the process instead of faulting it in again, a third of a backup's time
    # here (docs/BENCHMARK.md). A value already set is kept.
    if ($IsLinux) {
        foreach ($setting in $script:EngineMallocEnvironment.GetEnumerator()) {
            if ([string]::IsNullOrEmpty([Environment]::GetEnvironmentVariable($setting.Key))) {
                $startInfo.Environment[$setting.Key] = $setting.Value
            }
        }
    }

    $process = [System.Diagnostics.Process]::new()
    $process.StartInfo = $startInfo

    $started = $false
    $progressActivity = $null
    $roleActivity = $null
    $hasResult = $false
    $resultData = $null
    $engineError = $null
    $stderrText = ''
    $exitCode = 0

    try {
        try {
            $started = $process.Start()
        }
        catch {
            $Caller.ThrowTerminatingError((New-AzsBackupErrorRecord -Message ("The AzsBackup engine '{0}' could not be started: {1}" -f $binaryPath, $_.Exception.Message) -ErrorId 'AzsBackup.EngineStartFailed' -Category ResourceUnavailable -TargetObject $binaryPath -RecommendedAction 'Check that the engine binary is executable for the current user, or point AZSBACKUP_BINARY at a working build.' -Exception $_.Exception))
        }

        # Drain stderr concurrently so a chatty engine can never block on a full pipe.
        $stderrTask = $process.StandardError.ReadToEndAsync()

        if ($useSecrets) {
            $stdin = $process.StandardInput.BaseStream
            try {
                $writer = [System.Text.Json.Utf8JsonWriter]::new($stdin, [System.Text.Json.JsonWriterOptions]::new())
                try {
                    $writer.WriteStartObject()
                    foreach ($secretEntry in $Secret.GetEnumerator()) {
                        if ($null -eq $secretEntry.Value) {
                            continue
                        }
                        if ($secretEntry.Value -is [System.Security.SecureString]) {
                            $pointer = [System.IntPtr]::Zero
                            try {
                                $pointer = [System.Runtime.InteropServices.Marshal]::SecureStringToGlobalAllocUnicode($secretEntry.Value)
                                # The plain text exists only as this call's argument.
                                $writer.WriteString([string]$secretEntry.Key, [System.Runtime.InteropServices.Marshal]::PtrToStringUni($pointer))
                            }
                            finally {
                                if ($pointer -ne [System.IntPtr]::Zero) {
                                    [System.Runtime.InteropServices.Marshal]::ZeroFreeGlobalAllocUnicode($pointer)
                                }
                            }
                        }
                        else {
                            $writer.WriteString([string]$secretEntry.Key, [string]$secretEntry.Value)
                        }
                    }
                    $writer.WriteEndObject()
                    $writer.Flush()
                }
                finally {
                    $writer.Dispose()
                }
                $stdin.WriteByte(10)
                $stdin.Flush()
            }
            catch [System.IO.IOException] {
                # The engine exited before reading stdin; its error line or exit code says why.
                Write-Verbose -Message 'The engine closed its standard input before the secrets were written.'
            }
        }
        try {
            $process.StandardInput.Close()
        }
        catch [System.IO.IOException] {
            Write-Verbose -Message 'The engine had already closed its standard input.'
        }

        while ($null -ne ($line = $process.StandardOutput.ReadLine())) {
            $text = $line.Trim()
            if ($text.Length -eq 0) {
                continue
            }
            $message = $null
            try {
                $message = ConvertFrom-Json -InputObject $text -ErrorAction Stop
            }
            catch {
                Write-Verbose -Message ('engine: {0}' -f $text)
                continue
            }

            $messageType = [string](Get-AzsBackupMemberValue -InputObject $message -Name 'type')
            switch ($messageType) {
                'progress' {
                    $activityText = [string](Get-AzsBackupMemberValue -InputObject $message -Name 'activity')
                    if ([string]::IsNullOrWhiteSpace($activityText)) {
                        $activityText = $Activity
                    }
                    $statusText = [string](Get-AzsBackupMemberValue -InputObject $message -Name 'status')
                    if ([string]::IsNullOrWhiteSpace($statusText)) {
                        $statusText = 'Working'
                    }
                    $percent = -1
                    $percentValue = Get-AzsBackupMemberValue -InputObject $message -Name 'percent'
                    if ($null -ne $percentValue) {
                        $percent = [int][System.Math]::Max(0.0, [System.Math]::Min(100.0, [double]$percentValue))
                    }
                    $progressParameters = @{
                        Id              = 1
                        Activity        = $activityText
                        Status          = $statusText
                        PercentComplete = $percent
                    }
                    # Byte counts, when the engine sends them, become the status line: done and
                    # total, the rate, and the time left; the engine's own text moves below it.
                    $bytesTotal = Get-AzsBackupMemberValue -InputObject $message -Name 'bytesTotal'
                    $bytesDone = Get-AzsBackupMemberValue -InputObject $message -Name 'bytesDone'
                    if ($null -ne $bytesTotal -and $null -ne $bytesDone) {
                        $byteStatus = '{0} of {1}' -f (Format-AzsBackupByteSize -Bytes $bytesDone), (Format-AzsBackupByteSize -Bytes $bytesTotal)
                        $rate = Get-AzsBackupMemberValue -InputObject $message -Name 'bytesPerSecond'
                        if ($null -ne $rate) {
                            $byteStatus = '{0} at {1}/s' -f $byteStatus, (Format-AzsBackupByteSize -Bytes $rate)
                        }
                        $progressParameters['Status'] = $byteStatus
                        $progressParameters['CurrentOperation'] = $statusText
                        $secondsLeft = Get-AzsBackupMemberValue -InputObject $message -Name 'secondsRemaining'
                        if ($null -ne $secondsLeft -and $percent -lt 100) {
                            $progressParameters['SecondsRemaining'] = [int]$secondsLeft
                        }
                    }
                    Write-Progress @progressParameters
                    $progressActivity = $activityText

                    $roleName = [string](Get-AzsBackupMemberValue -InputObject $message -Name 'role')
                    $roleTotal = Get-AzsBackupMemberValue -InputObject $message -Name 'roleBytesTotal'
                    $roleDone = Get-AzsBackupMemberValue -InputObject $message -Name 'roleBytesDone'
                    if ($null -ne $roleActivity -and $roleActivity -ne ('Role {0}' -f $roleName)) {
                        Write-Progress -Id 2 -ParentId 1 -Activity $roleActivity -Completed
                        $roleActivity = $null
                    }
                    if (-not [string]::IsNullOrWhiteSpace($roleName) -and $null -ne $roleTotal -and $null -ne $roleDone) {
                        $rolePercent = 100
                        if ([double]$roleTotal -gt 0) {
                            $rolePercent = [int][System.Math]::Min(100.0, (100.0 * [double]$roleDone / [double]$roleTotal))
                        }
                        $roleActivity = 'Role {0}' -f $roleName
                        Write-Progress -Id 2 -ParentId 1 -Activity $roleActivity -Status ('{0} of {1}' -f (Format-AzsBackupByteSize -Bytes $roleDone), (Format-AzsBackupByteSize -Bytes $roleTotal)) -PercentComplete $rolePercent
                    }
                }
                'warning' {
                    Write-Warning -Message ([string](Get-AzsBackupMemberValue -InputObject $message -Name 'message'))
                }
                'result' {
                    $resultData = Get-AzsBackupMemberValue -InputObject $message -Name 'data'
                    $hasResult = $true
                }
                'error' {
                    $engineError = Get-AzsBackupMemberValue -InputObject $message -Name 'error'
                }
                default {
                    Write-Verbose -Message ('engine: {0}' -f $text)
                }
            }
        }

        $process.WaitForExit()
        $exitCode = $process.ExitCode
        $stderrText = [string]$stderrTask.GetAwaiter().GetResult()
    }
    finally {
        if ($null -ne $roleActivity) {
            Write-Progress -Id 2 -ParentId 1 -Activity $roleActivity -Completed
        }
        if ($null -ne $progressActivity) {
            Write-Progress -Id 1 -Activity $progressActivity -Completed
        }
        if ($started) {
            try {
                if (-not $process.HasExited) {
                    # The pipeline was stopped (Ctrl+C) or failed while the engine was running.
                    $process.Kill($true)
                }
            }
            catch {
                Write-Verbose -Message ('The engine process could not be stopped: {0}' -f $_.Exception.Message)
            }
        }
        $process.Dispose()
    }

    if (-not [string]::IsNullOrWhiteSpace($stderrText)) {
        Write-Debug -Message ('engine stderr: {0}' -f $stderrText.Trim())
    }

    if ($null -ne $engineError) {
        $code = [string](Get-AzsBackupMemberValue -InputObject $engineError -Name 'code')
        if ([string]::IsNullOrWhiteSpace($code)) {
            $code = 'Internal'
        }
        $categoryName = [string](Get-AzsBackupMemberValue -InputObject $engineError -Name 'category')
        $category = [System.Management.Automation.ErrorCategory]::NotSpecified
        if (-not [string]::IsNullOrWhiteSpace($categoryName) -and [System.Enum]::IsDefined([System.Management.Automation.ErrorCategory], $categoryName)) {
            $category = [System.Management.Automation.ErrorCategory]$categoryName
        }
        $engineMessage = [string](Get-AzsBackupMemberValue -InputObject $engineError -Name 'message')
        if ([string]::IsNullOrWhiteSpace($engineMessage)) {
            $engineMessage = 'The AzsBackup engine reported error {0}.' -f $code
        }
        $failure = (New-AzsBackupErrorRecord -Message $engineMessage -ErrorId ('AzsBackup.{0}' -f $code) -Category $category -TargetObject (Get-AzsBackupMemberValue -InputObject $engineError -Name 'target') -RecommendedAction ([string](Get-AzsBackupMemberValue -InputObject $engineError -Name 'remediation')))
        if ($NonTerminating) {
            $Caller.WriteError($failure)
            return
        }
        $Caller.ThrowTerminatingError($failure)
    }

    if ($exitCode -ne 0) {
        $detail = $stderrText.Trim()
        if ($detail.Length -gt 4000) {
            $detail = '...' + $detail.Substring($detail.Length - 4000)
        }
        if ($detail.Length -eq 0) {
            $detail = '(no output on stderr)'
        }
        $failure = (New-AzsBackupErrorRecord -Message ("The AzsBackup engine failed with exit code {0} without reporting an error: {1}" -f $exitCode, $detail) -ErrorId 'AzsBackup.EngineFailed' -Category NotSpecified -TargetObject $binaryPath -RecommendedAction 'Check the engine log in the state directory (logs/) and report the problem with it.')
        if ($NonTerminating) {
            $Caller.WriteError($failure)
            return
        }
        $Caller.ThrowTerminatingError($failure)
    }

    if (-not $hasResult) {
        $failure = (New-AzsBackupErrorRecord -Message 'The AzsBackup engine exited without a result line.' -ErrorId 'AzsBackup.EngineNoResult' -Category InvalidResult -TargetObject $binaryPath -RecommendedAction 'Check that the engine binary matches this module version (azsbackup --version).')
        if ($NonTerminating) {
            $Caller.WriteError($failure)
            return
        }
        $Caller.ThrowTerminatingError($failure)
    }

    Write-Output -NoEnumerate -InputObject $resultData
}
