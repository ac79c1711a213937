function New-AzsBackupErrorRecord {
    <#
    .SYNOPSIS
        Builds the ErrorRecord the module throws: stable ErrorId, category, target and remediation.

    .DESCRIPTION
        The exception type follows the category so that scripts catching common .NET exception
        types keep working (ArgumentException for InvalidArgument, ItemNotFoundException for
        ObjectNotFound, ...). The message is repeated in ErrorDetails so that RecommendedAction
        can carry the remediation text.

    .PARAMETER Message
        The error message shown to the user. Must never contain a secret.

    .PARAMETER ErrorId
        Stable identifier, 'AzsBackup.<code>'.

    .PARAMETER Category
        The PowerShell error category.

    .PARAMETER TargetObject
        What the error is about: a parameter name, path, backup id or role name.

    .PARAMETER RecommendedAction
        What the administrator should do next.

    .PARAMETER Exception
        An inner exception to keep, if any.

    .OUTPUTS
        System.Management.Automation.ErrorRecord
    #>
    [CmdletBinding()]
    [OutputType([System.Management.Automation.ErrorRecord])]
    param(
        [Parameter(Mandatory)]
        [string]
        $Message,

        [Parameter(Mandatory)]
        [string]
        $ErrorId,

        [Parameter(Mandatory)]
        [System.Management.Automation.ErrorCategory]
        $Category,

        [Parameter()]
        [AllowNull()]
        [object]
        $TargetObject,

        [Parameter()]
        [AllowNull()]
        [AllowEmptyString()]
        [string]
        $RecommendedAction,

        [Parameter()]
        [AllowNull()]
        [System.Exception]
        $Exception
    )

    $exceptionType = switch ($Category) {
        'InvalidArgument' { [System.ArgumentException] }
        'ObjectNotFound' { [System.Management.Automation.ItemNotFoundException] }
        'InvalidOperation' { [System.InvalidOperationException] }
        'ResourceBusy' { [System.InvalidOperationException] }
        'InvalidData' { [System.IO.InvalidDataException] }
        'AuthenticationError' { [System.UnauthorizedAccessException] }
        'PermissionDenied' { [System.UnauthorizedAccessException] }
        'SecurityError' { [System.Security.SecurityException] }
        'ConnectionError' { [System.IO.IOException] }
        'ResourceUnavailable' { [System.IO.IOException] }
        'WriteError' { [System.IO.IOException] }
        default { [System.Exception] }
    }
    # Two distinct constructor calls: passing a $null inner exception would make
    # ArgumentException(string, string) and (string, Exception) ambiguous.
    if ($null -eq $Exception) {
        $exceptionObject = $exceptionType::new($Message)
    }
    else {
        $exceptionObject = $exceptionType::new($Message, $Exception)
    }

    $record = [System.Management.Automation.ErrorRecord]::new($exceptionObject, $ErrorId, $Category, $TargetObject)
    $record.ErrorDetails = [System.Management.Automation.ErrorDetails]::new($Message)
    if (-not [string]::IsNullOrWhiteSpace($RecommendedAction)) {
        $record.ErrorDetails.RecommendedAction = $RecommendedAction
    }
    return $record
}
