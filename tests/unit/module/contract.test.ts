/**
 * Static checks of the PowerShell module against tests/contract/cmdlets.json, runnable where
 * PowerShell is not installed. The same JSON drives tests/pester/Contract.Tests.ps1.
 *
 * Each check is a pure function of a snapshot of the repository files and returns a list of
 * problems. The second half of this file proves every check can fail: it applies a small,
 * realistic breakage to a copy of the snapshot and expects that check to report it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as ps from './ps-parse.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

// ---------------------------------------------------------------------------------------------
// Snapshot

type Snapshot = Map<string, string>;

function listFiles(dir: string, filter: (name: string) => boolean): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
    const rel = `${dir}/${entry.name}`;
    if (entry.isDirectory()) out.push(...listFiles(rel, filter));
    else if (filter(entry.name)) out.push(rel);
  }
  return out.sort();
}

function loadSnapshot(): Snapshot {
  const files = [
    'AzsBackup.psd1',
    'tests/contract/cmdlets.json',
    ...listFiles('module', (n) => /\.(ps1|psm1|ps1xml|txt)$/.test(n)),
    // About topics must sit in <culture>/ beside the manifest for Get-Help to find them.
    ...listFiles('en-US', (n) => n.endsWith('.txt')),
    ...listFiles('tests/pester', (n) => n.endsWith('.ps1')),
  ];
  return new Map(files.map((f) => [f, readFileSync(path.join(ROOT, f), 'utf8')]));
}

function mutate(snapshot: Snapshot, file: string, from: string | RegExp, to: string): Snapshot {
  const copy = new Map(snapshot);
  const text = copy.get(file);
  if (text === undefined) throw new Error(`no file ${file} in the snapshot`);
  const changed = text.replace(from, to);
  if (changed === text) throw new Error(`mutation of ${file} changed nothing: ${String(from)}`);
  copy.set(file, changed);
  return copy;
}

// ---------------------------------------------------------------------------------------------
// Contract model

interface SetSpec {
  mandatory: boolean;
  position: number | null;
  valueFromPipeline: boolean;
  valueFromPipelineByPropertyName: boolean;
}
interface ParameterSpec {
  name: string;
  type: string;
  aliases: string[];
  dontShow: boolean;
  sets: Record<string, SetSpec>;
}
interface CommandSpec {
  name: string;
  aliases: string[];
  supportsShouldProcess: boolean;
  confirmImpact: string | null;
  defaultParameterSet: string | null;
  parameterSets: string[];
  outputType: string[];
  positionalBinding: boolean;
  parameters: ParameterSpec[];
}
interface TypeSpec {
  typeNames: string[];
  converter: string;
  view: 'List' | 'Table';
  properties: string[];
  dateTimeProperties: string[];
}
interface Contract {
  module: { manifest: string; rootModule: string; formatsToProcess: string[]; aliases: Record<string, string> };
  types: Record<string, TypeSpec>;
  commands: CommandSpec[];
}

function contractOf(s: Snapshot): Contract {
  return JSON.parse(s.get('tests/contract/cmdlets.json') as string) as Contract;
}

const sorted = (xs: Iterable<string>): string[] => [...xs].sort((a, b) => a.localeCompare(b));
const sameSet = (a: Iterable<string>, b: Iterable<string>): boolean => JSON.stringify(sorted(a)) === JSON.stringify(sorted(b));
const ps1Files = (s: Snapshot, dir: string): string[] => [...s.keys()].filter((f) => f.startsWith(`${dir}/`) && f.endsWith('.ps1'));
const baseName = (f: string): string => path.basename(f).replace(/\.ps1$/, '');

function readScriptOrProblem(s: Snapshot, file: string): { info: ps.ScriptInfo | null; problem: string | null } {
  try {
    const info = ps.readScript(s.get(file) as string);
    if (info.problems.length > 0) return { info: null, problem: `${file}: ${info.problems.join('; ')}` };
    return { info, problem: null };
  } catch (error) {
    return { info: null, problem: `${file}: ${(error as Error).message}` };
  }
}

/** The single function defined in a module file (one function per file, named after it). */
function moduleFunction(s: Snapshot, file: string, problems: string[]): ps.FunctionInfo | null {
  const { info, problem } = readScriptOrProblem(s, file);
  if (problem) {
    problems.push(problem);
    return null;
  }
  const functions = (info as ps.ScriptInfo).functions;
  if (functions.length !== 1) {
    problems.push(`${file}: defines ${functions.length} functions, expected exactly one`);
    return null;
  }
  const fn = functions[0] as ps.FunctionInfo;
  if (fn.name !== baseName(file)) problems.push(`${file}: defines ${fn.name}; the file must be named after its function`);
  return fn;
}

// ---------------------------------------------------------------------------------------------
// Checks

function checkManifest(s: Snapshot): string[] {
  const problems: string[] = [];
  const contract = contractOf(s);
  let manifest: { [key: string]: ps.DataValue };
  try {
    manifest = ps.readDataFile(s.get('AzsBackup.psd1') as string);
  } catch (error) {
    return [`AzsBackup.psd1: ${(error as Error).message}`];
  }
  const list = (key: string): string[] | null => {
    const v = manifest[key];
    if (v === undefined) return null;
    return (Array.isArray(v) ? v : [v]).map(String);
  };
  const expectValue = (key: string, expected: string): void => {
    if (manifest[key] !== expected) problems.push(`AzsBackup.psd1: ${key} is ${JSON.stringify(manifest[key])}, expected ${JSON.stringify(expected)}`);
  };
  expectValue('RootModule', contract.module.rootModule);
  expectValue('ModuleVersion', '0.1.0');
  expectValue('PowerShellVersion', '7.2');
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(String(manifest.GUID))) problems.push('AzsBackup.psd1: GUID is not a GUID');
  if (String(manifest.GUID).toLowerCase() === '1785332a-6b5b-49c9-ad07-8f7bbd8a5233' || String(manifest.GUID).toLowerCase() === '6b42d8b6-a98a-4887-862f-7ba64ec83d81') {
    problems.push('AzsBackup.psd1: GUID must be new, not one of Azs.Backup.Admin');
  }
  if (!sameSet(list('CompatiblePSEditions') ?? [], ['Core'])) problems.push('AzsBackup.psd1: CompatiblePSEditions must be Core');
  if (!sameSet(list('FormatsToProcess') ?? [], contract.module.formatsToProcess)) problems.push('AzsBackup.psd1: FormatsToProcess differs from the contract');

  for (const key of ['FunctionsToExport', 'AliasesToExport', 'CmdletsToExport', 'VariablesToExport']) {
    const v = list(key);
    if (v === null) problems.push(`AzsBackup.psd1: ${key} is missing (explicit lists only)`);
    else if (v.some((x) => x.includes('*'))) problems.push(`AzsBackup.psd1: ${key} uses a wildcard`);
  }
  const functions = list('FunctionsToExport') ?? [];
  if (!sameSet(functions, contract.commands.map((c) => c.name))) {
    problems.push(`AzsBackup.psd1: FunctionsToExport ${JSON.stringify(sorted(functions))} differs from the contract commands`);
  }
  if (!sameSet(list('AliasesToExport') ?? [], Object.keys(contract.module.aliases))) problems.push('AzsBackup.psd1: AliasesToExport differs from the contract aliases');
  if ((list('CmdletsToExport') ?? ['x']).length !== 0) problems.push('AzsBackup.psd1: CmdletsToExport must be @()');
  if ((list('VariablesToExport') ?? ['x']).length !== 0) problems.push('AzsBackup.psd1: VariablesToExport must be @()');

  // Every exported function has a Public file, and every Public file is exported.
  const publicFiles = ps1Files(s, 'module/Public').map(baseName);
  for (const name of functions) if (!publicFiles.includes(name)) problems.push(`${name} is exported but module/Public/${name}.ps1 does not exist`);
  for (const name of publicFiles) if (!functions.includes(name)) problems.push(`module/Public/${name}.ps1 is not in FunctionsToExport`);
  return problems;
}

function checkRootModule(s: Snapshot): string[] {
  const problems: string[] = [];
  const contract = contractOf(s);
  const src = s.get('module/AzsBackup.psm1');
  if (src === undefined) return ['module/AzsBackup.psm1 does not exist'];
  const { tokens, problems: lexProblems } = ps.lex(src);
  if (lexProblems.length > 0) return lexProblems.map((p) => `module/AzsBackup.psm1: ${p}`);
  const sig = ps.significant(tokens);
  if (!/Set-StrictMode\s+-Version\s+Latest/.test(src)) problems.push('module/AzsBackup.psm1: Set-StrictMode -Version Latest is missing');
  for (const dir of ['Private', 'Public']) {
    if (!sig.some((t) => t.kind === 'string' && t.value === dir)) problems.push(`module/AzsBackup.psm1: does not load module/${dir}/*.ps1`);
  }
  // Set-Alias -Name X -Value Y for every contract alias, and Export-ModuleMember -Alias.
  const declared = new Map<string, string>();
  for (let i = 0; i < sig.length; i++) {
    const t = sig[i] as ps.Token;
    if (t.kind !== 'word' || !/^(Set|New)-Alias$/i.test(t.text)) continue;
    let name: string | undefined;
    let value: string | undefined;
    for (let j = i + 1; j < sig.length && sig[j]?.kind !== 'newline'; j++) {
      const u = sig[j] as ps.Token;
      if (u.line !== t.line) break;
      if (/^-Name$/i.test(u.text)) name = sig[j + 1]?.value ?? sig[j + 1]?.text;
      if (/^-Value$/i.test(u.text)) value = sig[j + 1]?.value ?? sig[j + 1]?.text;
    }
    if (name && value) declared.set(name, value);
  }
  for (const [alias, target] of Object.entries(contract.module.aliases)) {
    if (declared.get(alias) !== target) problems.push(`module/AzsBackup.psm1: alias ${alias} -> ${target} is not declared`);
    const exported = sig.some((t) => t.kind === 'string' && t.value === alias && sig.some((u) => u.line === t.line && /^Export-ModuleMember$/i.test(u.text)));
    if (!exported) problems.push(`module/AzsBackup.psm1: alias ${alias} is not exported with Export-ModuleMember -Alias`);
  }
  return problems;
}

function checkOneFunctionPerFile(s: Snapshot): string[] {
  const problems: string[] = [];
  for (const file of [...ps1Files(s, 'module/Private'), ...ps1Files(s, 'module/Public')]) moduleFunction(s, file, problems);
  return problems;
}

function checkParameterContract(s: Snapshot): string[] {
  const problems: string[] = [];
  const contract = contractOf(s);
  for (const spec of contract.commands) {
    const file = `module/Public/${spec.name}.ps1`;
    if (!s.has(file)) {
      problems.push(`${spec.name}: ${file} does not exist`);
      continue;
    }
    const fn = moduleFunction(s, file, problems);
    if (!fn) continue;
    const where = `${spec.name}`;
    const binding = fn.cmdletBinding;
    if (!binding) {
      problems.push(`${where}: no [CmdletBinding()] (must be an advanced function)`);
      continue;
    }
    const shouldProcess = ps.isTruthy(ps.namedArgument(binding, 'SupportsShouldProcess'));
    if (shouldProcess !== spec.supportsShouldProcess) problems.push(`${where}: SupportsShouldProcess is ${shouldProcess}, contract says ${spec.supportsShouldProcess}`);
    const impact = ps.namedArgument(binding, 'ConfirmImpact');
    if ((impact ?? null) !== spec.confirmImpact) problems.push(`${where}: ConfirmImpact is ${String(impact)}, contract says ${String(spec.confirmImpact)}`);
    const defaultSet = ps.namedArgument(binding, 'DefaultParameterSetName');
    if ((defaultSet ?? null) !== spec.defaultParameterSet) problems.push(`${where}: DefaultParameterSetName is ${String(defaultSet)}, contract says ${String(spec.defaultParameterSet)}`);
    const positional = ps.namedArgument(binding, 'PositionalBinding');
    if ((positional === undefined ? true : ps.isTruthy(positional)) !== spec.positionalBinding) problems.push(`${where}: PositionalBinding differs from the contract (${String(spec.positionalBinding)})`);
    if (!sameSet(fn.outputTypes, spec.outputType)) problems.push(`${where}: [OutputType()] ${JSON.stringify(fn.outputTypes)} differs from the contract ${JSON.stringify(spec.outputType)}`);

    const actualNames = fn.parameters.map((p) => p.name);
    for (const name of actualNames) if (!spec.parameters.some((p) => p.name === name)) problems.push(`${where}: parameter -${name} is not in the contract`);
    const namedSets = new Set<string>();
    for (const p of spec.parameters) {
      const actual = fn.parameters.find((x) => x.name === p.name);
      if (!actual) {
        problems.push(`${where}: contract parameter -${p.name} is missing`);
        continue;
      }
      if (actual.type !== p.type) problems.push(`${where}: -${p.name} is [${actual.type}], contract says [${p.type}]`);
      const aliases = ps.parameterAliases(actual);
      if (!sameSet(aliases, p.aliases)) problems.push(`${where}: -${p.name} aliases ${JSON.stringify(aliases)}, contract says ${JSON.stringify(p.aliases)}`);
      const sets = ps.parameterSets(actual);
      if (!sameSet(Object.keys(sets), Object.keys(p.sets))) problems.push(`${where}: -${p.name} is in sets ${JSON.stringify(sorted(Object.keys(sets)))}, contract says ${JSON.stringify(sorted(Object.keys(p.sets)))}`);
      for (const [setName, expected] of Object.entries(p.sets)) {
        const got = sets[setName];
        if (!got) continue;
        if (setName !== '__AllParameterSets') namedSets.add(setName);
        for (const flag of ['mandatory', 'position', 'valueFromPipeline', 'valueFromPipelineByPropertyName'] as const) {
          if (got[flag] !== expected[flag]) problems.push(`${where}: -${p.name} in set ${setName}: ${flag} is ${String(got[flag])}, contract says ${String(expected[flag])}`);
        }
        if (got.dontShow !== p.dontShow) problems.push(`${where}: -${p.name} in set ${setName}: DontShow is ${String(got.dontShow)}, contract says ${String(p.dontShow)}`);
      }
    }
    for (const p of fn.parameters) for (const setName of Object.keys(ps.parameterSets(p))) if (setName !== '__AllParameterSets') namedSets.add(setName);
    // As PowerShell does: a DefaultParameterSetName is a parameter set even when no parameter
    // names it (it then holds only the parameters that are in all sets).
    if (typeof defaultSet === 'string') namedSets.add(defaultSet);
    const effectiveSets = namedSets.size > 0 ? [...namedSets] : ['__AllParameterSets'];
    if (!sameSet(effectiveSets, spec.parameterSets)) problems.push(`${where}: parameter sets ${JSON.stringify(sorted(effectiveSets))}, contract says ${JSON.stringify(sorted(spec.parameterSets))}`);
    if (!spec.parameters.some((p) => p.name === 'DefaultProfile' && sameSet(p.aliases, ['AzureRMContext', 'AzureCredential']))) problems.push(`${where}: -DefaultProfile (AzureRMContext, AzureCredential) is missing from the contract`);
  }
  return problems;
}

function checkHelp(s: Snapshot): string[] {
  const problems: string[] = [];
  const contract = contractOf(s);
  const files = [...ps1Files(s, 'module/Public'), ...ps1Files(s, 'module/Private')];
  for (const file of files) {
    const fn = moduleFunction(s, file, problems);
    if (!fn) continue;
    const isPublic = file.startsWith('module/Public/');
    const help = fn.help;
    if (!help) {
      problems.push(`${file}: no comment-based help`);
      continue;
    }
    if (help.unknownKeywords.length > 0) problems.push(`${file}: help keywords ${help.unknownKeywords.join(', ')} are not valid (PowerShell would ignore the whole help block)`);
    if (!help.synopsis) problems.push(`${file}: .SYNOPSIS is empty`);
    for (const p of fn.parameters) {
      const text = [...help.parameters.entries()].find(([name]) => name.toLowerCase() === p.name.toLowerCase())?.[1];
      if (!text) problems.push(`${file}: parameter -${p.name} has no .PARAMETER help`);
    }
    for (const name of help.parameters.keys()) {
      if (!fn.parameters.some((p) => p.name.toLowerCase() === name.toLowerCase())) problems.push(`${file}: .PARAMETER ${name} documents a parameter that does not exist`);
    }
    if (help.outputs.length === 0 || help.outputs.every((o) => !o)) problems.push(`${file}: .OUTPUTS is missing`);
    if (!isPublic) continue;
    if (!help.description) problems.push(`${file}: .DESCRIPTION is empty`);
    if (help.examples.length === 0 || help.examples.some((e) => !/\S/.test(e))) problems.push(`${file}: needs at least one .EXAMPLE, each with content`);
    const spec = contract.commands.find((c) => c.name === fn.name);
    for (const type of spec?.outputType ?? []) {
      if (!help.outputs.some((o) => o.includes(type))) problems.push(`${file}: .OUTPUTS does not name ${type}`);
    }
  }
  return problems;
}

function checkFormatFile(s: Snapshot): string[] {
  const problems: string[] = [];
  const contract = contractOf(s);
  const file = contract.module.formatsToProcess[0] as string;
  let root: ps.XmlElement;
  try {
    root = ps.readXml(s.get(file) ?? '');
  } catch (error) {
    return [`${file}: ${(error as Error).message}`];
  }
  if (root.name !== 'Configuration') problems.push(`${file}: root element is <${root.name}>, expected <Configuration>`);
  const views = ps.xmlDescendants(root, 'View');
  // PowerShell uses the first view of a type by default; later ones (a detailed list beside a
  // table) are chosen with Format-List or Format-Table.
  const viewTypes = new Map<string, ps.XmlElement[]>();
  for (const view of views) {
    for (const typeName of ps.xmlDescendants(view, 'TypeName')) viewTypes.set(typeName.text, [...(viewTypes.get(typeName.text) ?? []), view]);
  }

  // Type names the converters add, read from their Add-AzsBackupTypeName calls.
  const added = new Map<string, string[]>();
  for (const conv of ps1Files(s, 'module/Private').filter((f) => /ConvertTo-/.test(f))) {
    const { info, problem } = readScriptOrProblem(s, conv);
    if (problem || !info) {
      problems.push(problem ?? conv);
      continue;
    }
    const sig = ps.significant(info.tokens);
    for (let i = 0; i < sig.length; i++) {
      if (sig[i]?.text !== 'Add-AzsBackupTypeName') continue;
      const names: string[] = [];
      let j = i + 1;
      while (j < sig.length && sig[j]?.line === sig[i]?.line && sig[j]?.text.toLowerCase() !== '-typename') j++;
      for (j++; j < sig.length && sig[j]?.line === sig[i]?.line; j++) {
        const t = sig[j] as ps.Token;
        if (t.kind === 'string') names.push(t.value ?? '');
        else if (!(t.kind === 'punct' && t.text === ',')) break;
      }
      const first = names[0];
      if (first) added.set(first, names);
      if (first && !added.has(`${first}@file`)) added.set(`${first}@file`, [conv]);
    }
  }

  for (const [typeName, spec] of Object.entries(contract.types)) {
    const names = added.get(typeName);
    if (!names) problems.push(`no converter adds the PSTypeName ${typeName}`);
    else if (JSON.stringify(names) !== JSON.stringify(spec.typeNames)) problems.push(`${typeName}: converter adds ${JSON.stringify(names)}, contract says ${JSON.stringify(spec.typeNames)}`);
    const convFile = `module/Private/${spec.converter}.ps1`;
    const src = s.get(convFile);
    if (src === undefined) problems.push(`${typeName}: converter ${convFile} does not exist`);
    else {
      for (const property of spec.properties) {
        if (!new RegExp(`^\\s+${property}\\s+=`, 'm').test(src)) problems.push(`${typeName}: ${spec.converter} does not set property ${property}`);
      }
    }
    const typeViews = viewTypes.get(typeName);
    const view = typeViews?.[0];
    if (!typeViews || !view) {
      problems.push(`${file}: no view for ${typeName}`);
      continue;
    }
    const control = spec.view === 'List' ? 'ListControl' : 'TableControl';
    if (ps.xmlDescendants(view, control).length !== 1) problems.push(`${file}: the view of ${typeName} must be a ${control}`);
    for (const anyView of typeViews) {
      for (const property of ps.xmlDescendants(anyView, 'PropertyName')) {
        if (!spec.properties.includes(property.text)) problems.push(`${file}: the view of ${typeName} shows ${property.text}, which the object does not have`);
      }
      const headers = ps.xmlDescendants(anyView, 'TableColumnHeader').length;
      const items = ps.xmlDescendants(anyView, 'TableColumnItem').length;
      if (headers !== items) problems.push(`${file}: the table of ${typeName} has ${headers} headers and ${items} columns`);
    }
  }
  for (const typeName of viewTypes.keys()) if (!(typeName in contract.types)) problems.push(`${file}: view for ${typeName}, which is not a contract type`);
  return problems;
}

const SECRET_PARAMETER_TYPE = 'System.Security.SecureString';
const ENGINE_FILE = 'module/Private/Invoke-AzsBackupEngine.ps1';

function checkSecretsAndProcess(s: Snapshot): string[] {
  const problems: string[] = [];
  const moduleFiles = [...s.keys()].filter((f) => f.startsWith('module/') && /\.(ps1|psm1)$/.test(f));
  for (const file of moduleFiles) {
    const { tokens, problems: lexProblems } = ps.lex(s.get(file) as string);
    if (lexProblems.length > 0) {
      problems.push(`${file}: ${lexProblems.join('; ')}`);
      continue;
    }
    const code = ps.significant(tokens);
    const words = code.filter((t) => t.kind === 'word');
    const has = (re: RegExp): ps.Token | undefined => code.find((t) => (t.kind === 'word' || t.kind === 'variable') && re.test(t.text));
    for (const [re, what] of [
      [/^-AsPlainText$/i, '-AsPlainText'],
      [/^ConvertFrom-SecureString$/i, 'ConvertFrom-SecureString'],
      [/GetNetworkCredential/i, 'GetNetworkCredential()'],
      [/SecureStringToBSTR|PtrToStringAuto|PtrToStringBSTR|SecureStringToCoTaskMem/i, 'a BSTR/CoTaskMem SecureString conversion'],
      [/^(Invoke-Expression|iex)$/i, 'Invoke-Expression'],
    ] as const) {
      const hit = has(re);
      if (hit) problems.push(`${file}:${hit.line}: uses ${what}`);
    }
    if (file !== ENGINE_FILE) {
      for (const [re, what] of [
        [/System\.Diagnostics\.Process|ProcessStartInfo|^Start-Process$/i, 'starts a process'],
        [/PtrToStringUni|SecureStringToGlobalAllocUnicode/i, 'turns a SecureString into text'],
        [/^Get-AzsBackupEngineBinaryPath$/i, 'resolves the engine binary'],
      ] as const) {
        if (what === 'resolves the engine binary' && file === 'module/Private/Get-AzsBackupEngineBinaryPath.ps1') continue;
        const hit = words.find((t) => re.test(t.text));
        if (hit) problems.push(`${file}:${hit.line}: ${what}; only ${ENGINE_FILE} may`);
      }
      // Running a command from a variable (& $binary) belongs only to the engine call site and the job runner.
      for (let i = 0; i + 1 < code.length; i++) {
        const t = code[i] as ps.Token;
        if (t.kind === 'punct' && t.text === '&' && code[i + 1]?.kind === 'variable' && file !== 'module/Private/Start-AzsBackupJob.ps1') {
          problems.push(`${file}:${t.line}: invokes a command from a variable (&)`);
        }
      }
    } else {
      const src = s.get(file) as string;
      if (/=\s*\[System\.Runtime\.InteropServices\.Marshal\]::PtrToStringUni/.test(src)) problems.push(`${file}: keeps SecureString plain text in a variable`);
      const ptrLines = src.split('\n').filter((l) => /PtrToStringUni/.test(l) && !/^\s*#/.test(l));
      if (ptrLines.length !== 1 || !/\.WriteString\(/.test(ptrLines[0] ?? '')) problems.push(`${file}: PtrToStringUni must appear once, as a direct argument of Utf8JsonWriter.WriteString`);
      if (!/ZeroFreeGlobalAllocUnicode/.test(src)) problems.push(`${file}: the unmanaged copy of a SecureString is not zeroed (ZeroFreeGlobalAllocUnicode)`);
      if (!/\.ArgumentList\.Add\(/.test(src) || /\.Arguments\s*=/.test(src)) problems.push(`${file}: arguments must go through ProcessStartInfo.ArgumentList, never a command line string`);
      for (const line of src.split('\n')) {
        if (/Write-(Verbose|Debug|Host|Information|Warning)/.test(line) && /\$(Secret|secretEntry|pointer)\b/.test(line)) problems.push(`${file}: logs a secret: ${line.trim()}`);
      }
    }
  }

  // SecureString parameters of public commands never reach argv or a message.
  for (const file of ps1Files(s, 'module/Public')) {
    const problemsHere: string[] = [];
    const fn = moduleFunction(s, file, problemsHere);
    if (!fn) continue;
    const secretNames = fn.parameters.filter((p) => p.type === SECRET_PARAMETER_TYPE).map((p) => p.name);
    const derived = ['pfxPassword', 'objectPassword'];
    const src = s.get(file) as string;
    const code = ps.significant(ps.lex(src).tokens);
    const lines = new Map<number, ps.Token[]>();
    for (const t of code) lines.set(t.line, [...(lines.get(t.line) ?? []), t]);
    for (const [line, lineTokens] of lines) {
      const secretHere = lineTokens.find((t) => t.kind === 'variable' && [...secretNames, ...derived].some((n) => t.text.toLowerCase() === `$${n.toLowerCase()}`));
      if (!secretHere) continue;
      const sink = lineTokens.find((t) => /^(\$engineArguments|-ArgumentList|Write-(Verbose|Debug|Host|Information|Warning|Output)|-f|-Message)$/i.test(t.text) || (t.kind === 'word' && /^\.Add$/.test(t.text)));
      if (sink) problems.push(`${file}:${line}: ${secretHere.text} on the same line as ${sink.text} (secrets go to stdin only)`);
    }
    // A command that hands secrets to the engine does it on stdin; one that never calls the engine
    // (New-AzsBackupEncryptionCertificate exports the .pfx from the SecureString in .NET) has none to hand.
    if (secretNames.length > 0 && /Invoke-AzsBackupEngine/.test(src) && !/-Secret\s+\$secrets/.test(src)) problems.push(`${file}: has SecureString parameters but never passes -Secret to Invoke-AzsBackupEngine`);
  }
  return problems;
}

const CONFIRM_FILE = 'module/Private/Confirm-AzsBackupOperation.ps1';

/**
 * A prompt that cannot be shown (pwsh -NonInteractive, a scheduled task) throws from
 * ShouldProcess/ShouldContinue, and in `if (-not $PSCmdlet.ShouldContinue(..)) { return }` that
 * only ends the `if`: the command then runs unconfirmed. Only Confirm-AzsBackupOperation, which
 * turns the throw into a terminating error, may call them; every cmdlet that supports
 * ShouldProcess must ask through it.
 */
function checkConfirmations(s: Snapshot): string[] {
  const problems: string[] = [];
  const moduleFiles = [...s.keys()].filter((f) => f.startsWith('module/') && /\.(ps1|psm1)$/.test(f));
  for (const file of moduleFiles) {
    if (file === CONFIRM_FILE) continue;
    const code = ps.significant(ps.lex(s.get(file) as string).tokens).filter((t) => t.kind !== 'string' && t.kind !== 'herestring');
    const hit = code.find((t) => /\.Should(Process|Continue)\b/.test(t.text));
    if (hit) problems.push(`${file}:${hit.line}: calls ${hit.text} directly; ask through Confirm-AzsBackupOperation`);
  }
  for (const file of ps1Files(s, 'module/Public')) {
    const fn = moduleFunction(s, file, problems);
    if (!fn) continue;
    if (!ps.isTruthy(ps.namedArgument(fn.cmdletBinding, 'SupportsShouldProcess'))) continue;
    if (!/Confirm-AzsBackupOperation\s+-Caller\s+\$PSCmdlet/.test(s.get(file) as string)) problems.push(`${file}: supports ShouldProcess but never asks through Confirm-AzsBackupOperation`);
  }
  return problems;
}

const COMMON_ALIASES = new Set([
  '%', '?', 'ls', 'dir', 'cd', 'gci', 'gi', 'gm', 'gc', 'cat', 'echo', 'select', 'where', 'sort', 'ft', 'fl', 'ni', 'ri', 'rm', 'del',
  'cp', 'copy', 'mv', 'move', 'iwr', 'irm', 'icm', 'ipmo', 'measure', 'tee', 'write', 'sleep', 'pwd', 'type', 'kill', 'ps', 'man', 'cls', 'mkdir', 'md',
]);

function checkNoAliasesInCode(s: Snapshot): string[] {
  const problems: string[] = [];
  const files = [...s.keys()].filter((f) => (f.startsWith('module/') || f.startsWith('tests/pester/')) && /\.(ps1|psm1)$/.test(f));
  for (const file of files) {
    const { tokens } = ps.lex(s.get(file) as string);
    const code = tokens.filter((t) => t.kind !== 'comment');
    for (let i = 0; i < code.length; i++) {
      const t = code[i] as ps.Token;
      const prev = code[i - 1];
      const commandPosition = !prev || prev.kind === 'newline' || (prev.kind === 'punct' && ['|', ';', '{', '('].includes(prev.text));
      if (!commandPosition) continue;
      const word = t.kind === 'word' || (t.kind === 'punct' && (t.text === '%' || t.text === '?'));
      if (!word) continue;
      // A hashtable key or an assignment target, not a command (e.g. "Type = ..." in @{ }).
      const following = code.slice(i + 1).find((u) => u.kind !== 'newline');
      if (following?.kind === 'punct' && following.text === '=') continue;
      const name = t.text.toLowerCase();
      if (name === 'foreach' && prev?.text === '|') problems.push(`${file}:${t.line}: uses the alias foreach (use ForEach-Object)`);
      else if (COMMON_ALIASES.has(name) && !(name === '?' && prev?.text !== '|') && !(name === '%' && prev?.text !== '|')) problems.push(`${file}:${t.line}: uses the alias ${t.text}`);
    }
  }
  return problems;
}

function checkBalanceEverywhere(s: Snapshot): string[] {
  const problems: string[] = [];
  for (const file of [...s.keys()].filter((f) => /\.(ps1|psm1|psd1)$/.test(f))) {
    for (const p of ps.lex(s.get(file) as string).problems) problems.push(`${file}: ${p}`);
  }
  return problems;
}

function checkPesterSuites(s: Snapshot): string[] {
  const problems: string[] = [];
  const contractTests = s.get('tests/pester/Contract.Tests.ps1') ?? '';
  const behaviour = s.get('tests/pester/Behaviour.Tests.ps1') ?? '';
  const runner = s.get('tests/pester/Invoke-Pester.ps1') ?? '';
  if (!/cmdlets\.json/.test(contractTests)) problems.push('Contract.Tests.ps1 must read tests/contract/cmdlets.json');
  if (!/Describe\s+'<CommandName>'\s+-ForEach/.test(contractTests)) problems.push('Contract.Tests.ps1 must have one Describe per command');
  for (const name of ['AZSB_TEST_UNC', 'AZSB_TEST_USER', 'AZSB_TEST_PASSWORD', 'AZSBACKUP_SMB_PORT', 'AZSB_TEST_CERT_CER', 'AZSB_TEST_CERT_PFX', 'AZSB_TEST_PFX_PASSWORD', 'AZSB_TEST_OTHER_PFX']) {
    if (!behaviour.includes(name)) problems.push(`Behaviour.Tests.ps1 does not use ${name}`);
  }
  if (!/\$env:AZSBACKUP_HOME\s*=/.test(behaviour)) problems.push('Behaviour.Tests.ps1 must give each test its own AZSBACKUP_HOME');
  for (const needle of ['AZSB_PESTER_PATH', 'New-PesterConfiguration', 'Run.Exit', "'NUnitXml'", "'PESTER: {0} passed, {1} failed'"]) {
    if (!runner.includes(needle)) problems.push(`Invoke-Pester.ps1 does not contain ${needle}`);
  }
  return problems;
}

function checkAboutTopic(s: Snapshot): string[] {
  const text = s.get('en-US/about_AzsBackup.help.txt');
  if (text === undefined) return ['en-US/about_AzsBackup.help.txt does not exist'];
  const problems: string[] = [];
  if (!/^TOPIC\s+about_AzsBackup/m.test(text)) problems.push('about_AzsBackup: must start with TOPIC about_AzsBackup');
  for (const concept of ['LOCATION', 'ROLES', 'SCHEDULE', 'RETENTION', 'PRUN', 'CERTIFICATE', 'ROTAT', 'LEGACY KEY', 'ONE-WAY', 'RESTORE', 'STATE DIRECTORY', 'AzsBackup.<code>']) {
    if (!text.toUpperCase().includes(concept.toUpperCase())) problems.push(`about_AzsBackup: does not explain ${concept}`);
  }
  return problems;
}

const CHECKS = {
  manifest: checkManifest,
  rootModule: checkRootModule,
  oneFunctionPerFile: checkOneFunctionPerFile,
  parameterContract: checkParameterContract,
  help: checkHelp,
  formatFile: checkFormatFile,
  secretsAndProcess: checkSecretsAndProcess,
  confirmations: checkConfirmations,
  noAliasesInCode: checkNoAliasesInCode,
  balance: checkBalanceEverywhere,
  pesterSuites: checkPesterSuites,
  aboutTopic: checkAboutTopic,
} as const;

// ---------------------------------------------------------------------------------------------
// Tests

const snapshot = loadSnapshot();

describe('PowerShell module contract (static)', () => {
  for (const [name, check] of Object.entries(CHECKS)) {
    it(`${name}: no problems`, () => {
      expect(check(snapshot)).toEqual([]);
    });
  }

  it('covers every public command of the contract and the reference union', () => {
    const names = contractOf(snapshot).commands.map((c) => c.name);
    for (const required of [
      'Get-AzsBackupConfiguration', 'Set-AzsBackupConfiguration', 'Get-AzsBackup', 'Start-AzsBackup', 'Restore-AzsBackup',
      'Invoke-AzsPruneBackupLocationExternalStore', 'New-AzsEncryptionKeyBase64', 'Enable-AzsBackupSchedule', 'Disable-AzsBackupSchedule',
      'Get-AzsBackupStatus', 'Add-AzsBackupRole', 'Get-AzsBackupRole', 'Remove-AzsBackupRole',
    ]) {
      expect(names).toContain(required);
    }
  });
});

describe('every check can fail', () => {
  const GET = 'module/Public/Get-AzsBackup.ps1';
  const SET = 'module/Public/Set-AzsBackupConfiguration.ps1';
  const RESTORE = 'module/Public/Restore-AzsBackup.ps1';
  const cases: Array<[keyof typeof CHECKS, string, string, string | RegExp, string, RegExp]> = [
    ['manifest', 'a wildcard export', 'AzsBackup.psd1', "'Start-AzsBackup'", "'Start-AzsBackup'\n        'Get-Azs*'", /uses a wildcard/],
    ['manifest', 'an export without a file', 'AzsBackup.psd1', "'Start-AzsBackup'", "'Start-AzsBackup'\n        'Stop-AzsBackup'", /Stop-AzsBackup is exported but/],
    ['manifest', 'a missing alias export', 'AzsBackup.psd1', "'Set-AzsBackupShare'", '', /AliasesToExport differs/],
    ['rootModule', 'an alias not declared', 'module/AzsBackup.psm1', "Set-Alias -Name 'Set-AzsBackupShare'", "Set-Alias -Name 'Set-AzsBackupShares'", /alias Set-AzsBackupShare -> Set-AzsBackupConfiguration is not declared/],
    ['oneFunctionPerFile', 'a file named after another function', GET, 'function Get-AzsBackup {', 'function Get-AzsBackups {', /must be named after its function/],
    ['parameterContract', 'a wrong parameter type', GET, /\[string\]\n(\s+)\$Top/, '[int]\n$1$Top', /-Top is \[System\.Int32\]/],
    ['parameterContract', 'a dropped alias', SET, "[Alias('BackupShare')]", '', /-Path aliases/],
    ['parameterContract', 'a lost pipeline binding', GET, "[Parameter(ParameterSetName = 'GetViaIdentity', Mandatory, ValueFromPipeline)]", "[Parameter(ParameterSetName = 'GetViaIdentity', Mandatory)]", /valueFromPipeline is false/],
    ['parameterContract', 'a parameter made optional', RESTORE, "[Parameter(ParameterSetName = 'Restore', Mandatory)]\n        [Parameter(ParameterSetName = 'RestoreExpanded', Mandatory)]", "[Parameter(ParameterSetName = 'Restore', Mandatory)]\n        [Parameter(ParameterSetName = 'RestoreExpanded')]", /-Name in set RestoreExpanded: mandatory is false/],
    ['parameterContract', 'SupportsShouldProcess removed', 'module/Public/Start-AzsBackup.ps1', 'SupportsShouldProcess, ', '', /SupportsShouldProcess is false/],
    ['parameterContract', 'a catch-all that is no longer hidden', SET, '[Parameter(Position = 0, DontShow)]', '[Parameter(Position = 0)]', /DontShow is false/],
    ['parameterContract', 'an extra parameter', 'module/Public/Get-AzsBackupStatus.ps1', 'param(\n', 'param(\n        [Parameter()]\n        [string]\n        $Extra,\n\n', /-Extra is not in the contract/],
    ['parameterContract', 'a wrong OutputType', 'module/Public/Start-AzsBackup.ps1', "[OutputType('AzsBackup.Backup')]", "[OutputType('AzsBackup.BackupLocation')]", /OutputType/],
    ['help', 'an undocumented parameter', GET, '    .PARAMETER Top', '    .NOTTOP Top', /-Top has no \.PARAMETER help/],
    ['help', 'a missing example', 'module/Public/Get-AzsBackupStatus.ps1', /\.EXAMPLE/g, '.NOTES', /EXAMPLE/],
    ['help', 'missing outputs', 'module/Public/Get-AzsBackupRole.ps1', '.OUTPUTS', '.NOTES', /OUTPUTS is missing/],
    ['formatFile', 'malformed XML', 'module/AzsBackup.Format.ps1xml', '</ViewSelectedBy>', '</ViewSelectedBy', /XML line/],
    ['formatFile', 'a missing view', 'module/AzsBackup.Format.ps1xml', '<TypeName>AzsBackup.BackupRole</TypeName>', '<TypeName>AzsBackup.Role</TypeName>', /no view for AzsBackup\.BackupRole/],
    ['formatFile', 'a converter type name not in the format file', 'module/Private/ConvertTo-AzsBackupStatus.ps1', "-TypeName 'AzsBackup.BackupStatus'", "-TypeName 'AzsBackup.Status'", /AzsBackup\.BackupStatus/],
    ['formatFile', 'a view property the object lacks', 'module/AzsBackup.Format.ps1xml', '<PropertyName>Status</PropertyName>', '<PropertyName>Duration</PropertyName>', /shows Duration/],
    ['formatFile', 'a detailed view property the object lacks', 'module/AzsBackup.Format.ps1xml', '<PropertyName>IsCloudRecoveryReady</PropertyName>', '<PropertyName>Ready</PropertyName>', /shows Ready/],
    ['secretsAndProcess', '-AsPlainText in module code', SET, '$secrets[\'password\'] = $Password', "$secrets['password'] = ConvertTo-SecureString -String 'x' -AsPlainText -Force", /uses -AsPlainText/],
    ['secretsAndProcess', 'a secret on the command line', RESTORE, "$engineArguments.Add('--pfx')", "$engineArguments.Add($pfxPassword)", /secrets go to stdin only/],
    ['secretsAndProcess', 'a process started outside the engine call', 'module/Public/Start-AzsBackup.ps1', '$data = Invoke-AzsBackupEngine', '$null = Start-Process -FilePath x\n        $data = Invoke-AzsBackupEngine', /starts a process/],
    ['secretsAndProcess', 'plain text kept in a variable', ENGINE_FILE, '$writer.WriteString([string]$secretEntry.Key, [System.Runtime.InteropServices.Marshal]::PtrToStringUni($pointer))', '$plain = [System.Runtime.InteropServices.Marshal]::PtrToStringUni($pointer)\n                                $writer.WriteString([string]$secretEntry.Key, $plain)', /plain text in a variable/],
    ['confirmations', 'a direct ShouldContinue', RESTORE, 'Confirm-AzsBackupOperation -Caller $PSCmdlet -Query $question -Caption $caption', '$PSCmdlet.ShouldContinue($question, $caption)', /calls .*ShouldContinue directly/],
    ['confirmations', 'a cmdlet that no longer asks', 'module/Public/Remove-AzsBackupRole.ps1', 'Confirm-AzsBackupOperation -Caller $PSCmdlet', '$true -or $PSCmdlet', /never asks through Confirm-AzsBackupOperation/],
    ['noAliasesInCode', 'an alias', GET, 'ConvertTo-AzsBackupObject -InputObject $data\n    }', '$data | % { ConvertTo-AzsBackupObject -InputObject $_ }\n    }', /uses the alias %/],
    ['balance', 'a missing brace', 'module/Private/Resolve-AzsBackupName.ps1', '        return $null\n    }\n', '        return $null\n', /is never closed/],
    ['balance', 'an unterminated string', 'module/Public/Get-AzsBackupRole.ps1', "'role', 'list'", "'role, 'list'", /string is never closed/],
    ['balance', 'an unclosed here-string', 'tests/pester/Contract.Tests.ps1', "Describe 'AzsBackup module manifest' {", "$x = @'\nDescribe 'AzsBackup module manifest' {", /here-string/],
    ['pesterSuites', 'a runner without the summary line', 'tests/pester/Invoke-Pester.ps1', "'PESTER: {0} passed, {1} failed'", "'{0} ok'", /PESTER:/],
    ['aboutTopic', 'an about topic without restore', 'en-US/about_AzsBackup.help.txt', /RESTORE/gi, 'RECOVER', /RESTORE/],
  ];
  for (const [check, what, file, from, to, expected] of cases) {
    it(`${check} catches ${what}`, () => {
      const found = CHECKS[check](mutate(snapshot, file, from, to));
      expect(found.length).toBeGreaterThan(0);
      expect(found.join('\n')).toMatch(expected);
    });
  }
});

describe('ps-parse', () => {
  it('ignores brackets inside strings, here-strings and comments', () => {
    const src = [
      "$a = '(}' + \"[{\" + \"$( @{ k = ')' }.k )\"",
      '# } ) ]',
      '<# { #>',
      "$b = @'",
      '  { unbalanced ( in a here-string',
      "'@",
      "$c = @\"",
      '  ) also "@ not at line start',
      '"@',
      'function f { param([string[]] $x = @(1, 2)) }',
    ].join('\n');
    expect(ps.lex(src).problems).toEqual([]);
  });

  it('reports unbalanced and crossed brackets with their lines', () => {
    expect(ps.lex('function f {\n  if ($x) {\n}\n').problems.join()).toMatch(/line 1: '\{' is never closed/);
    expect(ps.lex('$x = (1, 2]').problems.join()).toMatch(/closes '\('/);
    expect(ps.lex("$x = 'abc").problems.join()).toMatch(/never closed/);
    expect(ps.lex('$x = "a $(b "').problems.length).toBeGreaterThan(0);
  });

  it('reads a param block with attributes, sets, aliases and types', () => {
    const info = ps.readScript(`function Test-It {
      <#
      .SYNOPSIS
          s
      .PARAMETER Name
          n
      .BOGUS
      #>
      [CmdletBinding(DefaultParameterSetName = 'A', SupportsShouldProcess, ConfirmImpact = 'Medium', PositionalBinding = $false)]
      [OutputType('X.Y')]
      [OutputType([string[]])]
      param(
          [Parameter(ParameterSetName = 'A', Mandatory, Position = 0)]
          [Parameter(ParameterSetName = 'B', ValueFromPipelineByPropertyName = $true)]
          [Alias('n', 'nm')]
          [ValidateSet('a', 'b')]
          [string[]]
          $Name = @('a'),

          [switch] $Flag,
          $Untyped
      )
    }`);
    expect(info.problems).toEqual([]);
    const fn = info.functions[0] as ps.FunctionInfo;
    expect(fn.name).toBe('Test-It');
    expect(ps.namedArgument(fn.cmdletBinding, 'DefaultParameterSetName')).toBe('A');
    expect(ps.isTruthy(ps.namedArgument(fn.cmdletBinding, 'SupportsShouldProcess'))).toBe(true);
    expect(ps.namedArgument(fn.cmdletBinding, 'PositionalBinding')).toBe(false);
    expect(fn.outputTypes).toEqual(['X.Y', 'System.String[]']);
    expect(fn.parameters.map((p) => [p.name, p.type])).toEqual([
      ['Name', 'System.String[]'],
      ['Flag', 'System.Management.Automation.SwitchParameter'],
      ['Untyped', 'System.Object'],
    ]);
    const name = fn.parameters[0] as ps.Parameter;
    expect(ps.parameterAliases(name)).toEqual(['n', 'nm']);
    expect(ps.parameterSets(name)).toEqual({
      A: { mandatory: true, position: 0, valueFromPipeline: false, valueFromPipelineByPropertyName: false, dontShow: false },
      B: { mandatory: false, position: null, valueFromPipeline: false, valueFromPipelineByPropertyName: true, dontShow: false },
    });
    expect(Object.keys(ps.parameterSets(fn.parameters[1] as ps.Parameter))).toEqual(['__AllParameterSets']);
    expect(fn.help?.unknownKeywords).toEqual(['BOGUS']);
    expect(fn.help?.parameters.get('Name')).toBe('n');
  });

  it('reads data files and rejects malformed XML', () => {
    expect(ps.readDataFile("@{ A = 'x'; B = @('1'\n'2'); C = 'p', 'q'; D = @{ E = $true } }")).toEqual({ A: 'x', B: ['1', '2'], C: ['p', 'q'], D: { E: true } });
    expect(() => ps.readXml('<a><b></a></b>')).toThrow(/closes/);
    expect(() => ps.readXml('<a x=1/>')).toThrow(/not quoted/);
    expect(() => ps.readXml('<a>&nbsp;</a>')).toThrow(/entity/);
    expect(ps.readXml('<?xml version="1.0"?><!-- c --><a k="v">t &amp; u<b/></a>').text).toBe('t & u');
  });
});
