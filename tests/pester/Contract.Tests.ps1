#Requires -Version 7.2
<#
    Parameter contract of every exported command, checked against tests/contract/cmdlets.json
    (which is derived from shared/reference/azs-backup-cmdlets.md). The same JSON drives the
    static test tests/unit/module/contract.test.ts, so the truth lives in one place.

    Needs no engine binary: nothing here runs a command for real.
#>

BeforeDiscovery {
    $script:contractPath = Join-Path -Path $PSScriptRoot -ChildPath '../contract/cmdlets.json'
    $script:contract = Get-Content -LiteralPath $script:contractPath -Raw | ConvertFrom-Json
    $script:commandCases = foreach ($entry in $script:contract.commands) {
        @{ CommandName = $entry.name; Spec = $entry }
    }
}

BeforeAll {
    $script:repoRoot = (Resolve-Path -LiteralPath (Join-Path -Path $PSScriptRoot -ChildPath '../..')).ProviderPath
    $script:manifestPath = Join-Path -Path $script:repoRoot -ChildPath 'AzsBackup.psd1'
    $script:contract = Get-Content -LiteralPath (Join-Path -Path $PSScriptRoot -ChildPath '../contract/cmdlets.json') -Raw | ConvertFrom-Json
    $script:commonParameters = @($script:contract.commonParameters)
    Get-Module -Name 'AzsBackup' | Remove-Module -Force
    Import-Module -Name $script:manifestPath -Force -ErrorAction Stop

    function Join-Sorted {
        # Sorted, '|'-joined: compares two name lists with a readable failure message.
        param([object[]] $Items)
        return (@($Items | Where-Object -FilterScript { $null -ne $_ } | ForEach-Object -Process { [string]$_ } | Sort-Object) -join '|')
    }

    function Get-DeclaredParameterSet {
        # The [Parameter()] attributes of a parameter, keyed by parameter set name, as declared.
        param([System.Management.Automation.ParameterMetadata] $Parameter)
        $sets = [ordered]@{}
        foreach ($attribute in $Parameter.Attributes) {
            if ($attribute -is [System.Management.Automation.ParameterAttribute]) {
                $position = $null
                if ($attribute.Position -ne [int]::MinValue) {
                    $position = $attribute.Position
                }
                $sets[$attribute.ParameterSetName] = [pscustomobject]@{
                    mandatory                       = [bool]$attribute.Mandatory
                    position                        = $position
                    valueFromPipeline               = [bool]$attribute.ValueFromPipeline
                    valueFromPipelineByPropertyName = [bool]$attribute.ValueFromPipelineByPropertyName
                    dontShow                        = [bool]$attribute.DontShow
                }
            }
        }
        return $sets
    }

    function New-DummyArgument {
        # A value of the right type for a mandatory parameter, to call a mocked command.
        param([string] $TypeName)
        switch ($TypeName) {
            'System.String' { return 'dummy' }
            'System.String[]' { return @('dummy') }
            'System.Int32' { return 1 }
            'System.Security.SecureString' { return [System.Security.SecureString]::new() }
            'System.Collections.Hashtable' { return @{} }
            default { return [pscustomobject]@{ Name = 'dummy' } }
        }
    }
}

AfterAll {
    Get-Module -Name 'AzsBackup' | Remove-Module -Force
}

Describe 'AzsBackup module manifest' {
    It 'is a valid manifest' {
        { Test-ModuleManifest -Path $script:manifestPath -ErrorAction Stop } | Should -Not -Throw
    }

    It 'exports exactly the contract commands' {
        $exported = (Get-Module -Name 'AzsBackup').ExportedFunctions.Keys
        Join-Sorted -Items $exported | Should -Be (Join-Sorted -Items $script:contract.commands.name)
    }

    It 'exports no cmdlets and no variables' {
        (Get-Module -Name 'AzsBackup').ExportedCmdlets.Count | Should -Be 0
        (Get-Module -Name 'AzsBackup').ExportedVariables.Count | Should -Be 0
    }

    It 'exports the deprecated alias <Alias> for <Target>' -ForEach @(
        @{ Alias = 'Get-AzsBackupLocation'; Target = 'Get-AzsBackupConfiguration' }
        @{ Alias = 'Set-AzsBackupShare'; Target = 'Set-AzsBackupConfiguration' }
    ) {
        $command = Get-Command -Name $Alias -Module 'AzsBackup' -ErrorAction Stop
        $command.CommandType | Should -Be 'Alias'
        $command.ResolvedCommandName | Should -Be $Target
    }

    It 'loads the format file' {
        $formats = Get-FormatData -TypeName 'AzsBackup.*'
        Join-Sorted -Items @($formats | ForEach-Object -Process { $_.TypeNames }) | Should -Be (Join-Sorted -Items @($script:contract.types.PSObject.Properties.Name))
    }
}

Describe '<CommandName>' -ForEach $script:commandCases {
    # Runs during discovery: one Context per contract parameter of this command.
    $parameterCases = foreach ($parameter in $Spec.parameters) {
        @{ ParameterName = $parameter.name; ParameterSpec = $parameter }
    }

    BeforeAll {
        $command = Get-Command -Name $CommandName -Module 'AzsBackup' -ErrorAction Stop
        $help = Get-Help -Name $CommandName -Full
    }

    Context 'command' {
        It 'is an exported advanced function' {
            $command.CommandType | Should -Be 'Function'
            $command.CmdletBinding | Should -BeTrue
        }

        It 'has exactly the contract parameters (besides common ones)' {
            $actual = @($command.Parameters.Keys | Where-Object -FilterScript { $_ -notin $script:commonParameters })
            Join-Sorted -Items $actual | Should -Be (Join-Sorted -Items $Spec.parameters.name)
        }

        It 'has the contract parameter sets' {
            Join-Sorted -Items $command.ParameterSets.Name | Should -Be (Join-Sorted -Items $Spec.parameterSets)
        }

        It 'has the contract default parameter set' {
            $command.DefaultParameterSet | Should -Be $Spec.defaultParameterSet
        }

        It 'supports ShouldProcess exactly when the contract says so' {
            $command.Parameters.ContainsKey('WhatIf') | Should -Be ([bool]$Spec.supportsShouldProcess)
            $command.Parameters.ContainsKey('Confirm') | Should -Be ([bool]$Spec.supportsShouldProcess)
        }

        It 'has the contract ConfirmImpact' {
            $binding = $command.ScriptBlock.Attributes | Where-Object -FilterScript { $_ -is [System.Management.Automation.CmdletBindingAttribute] }
            if ($Spec.supportsShouldProcess) {
                [string]$binding.ConfirmImpact | Should -Be $Spec.confirmImpact
            }
            $binding.PositionalBinding | Should -Be ([bool]$Spec.positionalBinding)
        }

        It 'declares the contract output types' {
            Join-Sorted -Items $command.OutputType.Name | Should -Be (Join-Sorted -Items $Spec.outputType)
        }
    }

    Context 'parameter -<ParameterName>' -ForEach $parameterCases {
        It 'has the contract type' {
            $command.Parameters[$ParameterName].ParameterType.FullName | Should -Be $ParameterSpec.type
        }

        It 'has the contract aliases' {
            Join-Sorted -Items $command.Parameters[$ParameterName].Aliases | Should -Be (Join-Sorted -Items $ParameterSpec.aliases)
        }

        It 'is in the contract parameter sets' {
            $declared = Get-DeclaredParameterSet -Parameter $command.Parameters[$ParameterName]
            Join-Sorted -Items @($declared.Keys) | Should -Be (Join-Sorted -Items @($ParameterSpec.sets.PSObject.Properties.Name))
        }

        It 'has the contract mandatory, position, pipeline and DontShow flags in each set' {
            $declared = Get-DeclaredParameterSet -Parameter $command.Parameters[$ParameterName]
            foreach ($set in $ParameterSpec.sets.PSObject.Properties) {
                $actual = $declared[$set.Name]
                $actual | Should -Not -BeNullOrEmpty -Because "-$ParameterName must be in set $($set.Name)"
                $actual.mandatory | Should -Be ([bool]$set.Value.mandatory) -Because "Mandatory of -$ParameterName in $($set.Name)"
                $actual.position | Should -Be $set.Value.position -Because "Position of -$ParameterName in $($set.Name)"
                $actual.valueFromPipeline | Should -Be ([bool]$set.Value.valueFromPipeline) -Because "ValueFromPipeline of -$ParameterName in $($set.Name)"
                $actual.valueFromPipelineByPropertyName | Should -Be ([bool]$set.Value.valueFromPipelineByPropertyName) -Because "ValueFromPipelineByPropertyName of -$ParameterName in $($set.Name)"
                $actual.dontShow | Should -Be ([bool]$ParameterSpec.dontShow) -Because "DontShow of -$ParameterName"
            }
        }

        It 'is documented in the help, or hidden from completion when DontShow' {
            if ([bool]$ParameterSpec.dontShow) {
                # Hidden parameters are not in Get-Help's parameter list; what DontShow promises
                # is that tab completion does not offer them among the command's parameters.
                $line = '{0} -' -f $CommandName
                $completions = TabExpansion2 -inputScript $line -cursorColumn $line.Length
                @($completions.CompletionMatches.CompletionText) | Should -Not -Contain "-$ParameterName"
                return
            }
            $entry = @($help.parameters.parameter | Where-Object -FilterScript { $_.name -eq $ParameterName })
            $entry.Count | Should -Be 1
            ($entry[0].description | Out-String).Trim() | Should -Not -BeNullOrEmpty
        }
    }

    Context 'help' {
        It 'has a synopsis' {
            $help.Synopsis | Should -Not -BeNullOrEmpty
            $help.Synopsis | Should -Not -BeLike "*$CommandName*[<]*"
        }

        It 'has a description' {
            ($help.description | Out-String).Trim() | Should -Not -BeNullOrEmpty
        }

        It 'has at least one example with code' {
            @($help.examples.example).Count | Should -BeGreaterThan 0
            foreach ($example in @($help.examples.example)) {
                ([string]$example.code).Trim() | Should -Not -BeNullOrEmpty
            }
        }

        It 'documents its output' {
            ($help.returnValues | Out-String).Trim() | Should -Not -BeNullOrEmpty
        }
    }

    Context 'mocking' {
        It 'can be mocked by a user script' {
            $arguments = @{}
            $defaultSet = $Spec.defaultParameterSet
            if ($null -eq $defaultSet) {
                $defaultSet = '__AllParameterSets'
            }
            foreach ($parameter in $Spec.parameters) {
                foreach ($set in $parameter.sets.PSObject.Properties) {
                    if ($set.Value.mandatory -and ($set.Name -eq $defaultSet -or $set.Name -eq '__AllParameterSets')) {
                        $arguments[$parameter.name] = New-DummyArgument -TypeName $parameter.type
                    }
                }
            }
            Mock -CommandName $CommandName -MockWith { 'mocked' }

            & $CommandName @arguments | Should -Be 'mocked'

            Should -Invoke -CommandName $CommandName -Times 1 -Exactly
        }
    }
}

Describe 'Set-AzsBackupConfiguration binding of the legacy forms' {
    # Binding only. A Pester mock cannot show this: its body sees the bound values as variables
    # but an empty $PSBoundParameters, so "bound as $false" and "not bound" look the same. Instead
    # the real command's CmdletBinding and param block (aliases, sets, positions) are copied into
    # a function whose body returns what PowerShell bound.
    BeforeAll {
        $metadata = [System.Management.Automation.CommandMetadata]::new((Get-Command -Name 'Set-AzsBackupConfiguration'))
        $script:bindOnly = [scriptblock]::Create(@(
                [System.Management.Automation.ProxyCommand]::GetCmdletBindingAttribute($metadata)
                'param('
                [System.Management.Automation.ProxyCommand]::GetParamBlock($metadata)
                ')'
                '[pscustomobject]@{'
                "    Switch = `$PSBoundParameters.ContainsKey('IsBackupSchedulerEnabled')"
                "    Value  = `$PSBoundParameters['IsBackupSchedulerEnabledValue']"
                "    Path   = `$PSBoundParameters['Path']"
                '}'
            ) -join [System.Environment]::NewLine)
    }

    It 'binds -IsBackupSchedulerEnabled $false (0.3.x [bool] form)' {
        $bound = & $script:bindOnly -IsBackupSchedulerEnabled $false
        $bound.Switch | Should -BeTrue
        $bound.Value | Should -BeFalse
        $bound.Value | Should -BeOfType [bool]
    }

    It 'binds -IsBackupSchedulerEnabled:$false' {
        $bound = & $script:bindOnly -IsBackupSchedulerEnabled:$false
        $bound.Switch | Should -BeTrue
        $bound.Value | Should -BeNullOrEmpty
    }

    It 'binds -BackupShare to -Path' {
        $bound = & $script:bindOnly -BackupShare '\\server\share'
        $bound.Path | Should -Be '\\server\share'
    }
}
