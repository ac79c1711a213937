import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The module as an operator gets it: packed by scripts/package, installed by PSResourceGet from a
// folder repository, imported by name, and run through the engine inside the package.
const root = resolve('.');
const pwsh = join(root, '.tools', 'pwsh', 'pwsh');
const version = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version as string;
const nupkg = join(root, 'dist', `AzsBackup.${version}.nupkg`);
let work: string;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a PowerShell script from a file (not stdin, where pwsh's line editor adds escapes). */
function runScript(script: string, options: { cwd?: string; env: NodeJS.ProcessEnv; asNobody?: boolean }): Promise<Run> {
  const file = join(work, `script-${++scripts}.ps1`);
  writeFileSync(file, script);
  chmodSync(file, 0o644);
  const args = ['-NoLogo', '-NoProfile', '-NonInteractive', '-File', file];
  if (options.asNobody) return run('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', pwsh, ...args], options);
  return run(pwsh, args, options);
}
let scripts = 0;

function run(file: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {}): Promise<Run> {
  return new Promise((done, fail) => {
    const child = spawn(file, args, { cwd: options.cwd ?? root, env: options.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', fail);
    child.on('close', (code) => done({ code: code ?? 1, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}

/** A pwsh with its own HOME (so PSResourceGet settings and CurrentUser installs land there). */
function pwshEnv(home: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: home, DOTNET_ROLL_FORWARD: 'Major', POWERSHELL_TELEMETRY_OPTOUT: '1', AZSBACKUP_HOME: join(home, 'azsbackup-state'), ...extra };
  if (process.env.DOTNET_ROOT !== undefined) env.DOTNET_ROOT = process.env.DOTNET_ROOT;
  return env;
}

/** The first ```powershell block after a README heading, exactly as written there. */
function readmeBlock(heading: string): string {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const at = readme.indexOf(`\n${heading}\n`);
  expect(at, `README.md has no '${heading}' section`).toBeGreaterThan(0);
  const match = /```powershell\n([\s\S]*?)```/.exec(readme.slice(at));
  expect(match).not.toBeNull();
  return match![1]!;
}

const sha256 = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'azsb-package-'));
  rmSync(nupkg, { force: true });
  // As the README shows it.
  const packaged = await run('bash', ['scripts/package']);
  expect(packaged.code, packaged.stdout + packaged.stderr).toBe(0);
  expect(packaged.stdout).toContain(`wrote dist/AzsBackup.${version}.nupkg`);
}, 300_000);
afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the module as a PowerShell package', () => {
  it('holds the manifest, module, help, format file, license and both engines', async () => {
    const listing = await promisify(execFile)('unzip', ['-Z1', nupkg], { maxBuffer: 1 << 20 });
    const files = listing.stdout.split('\n');
    for (const file of ['AzsBackup.psd1', 'AzsBackup.nuspec', 'LICENSE', 'module/AzsBackup.psm1', 'module/AzsBackup.Format.ps1xml', 'en-US/about_AzsBackup.help.txt', 'module/Public/Start-AzsBackup.ps1', 'binaries/linux-x64/azsbackup', 'binaries/win-x64/azsbackup.exe']) {
      expect(files).toContain(file);
    }
    const nuspec = (await promisify(execFile)('unzip', ['-p', nupkg, 'AzsBackup.nuspec'])).stdout;
    expect(nuspec).toMatch(/<projectUrl>https:\/\/[^<]+<\/projectUrl>/);
    expect(nuspec).toMatch(/<licenseUrl>https:\/\/[^<]+LICENSE<\/licenseUrl>/);
    expect(nuspec).toMatch(/<releaseNotes>[^<]+<\/releaseNotes>/);
    expect(nuspec).toContain(`<version>${version}</version>`);
  });

  it('installs from a folder repository as the README shows, imports by name and runs through the packaged engine', async () => {
    const home = join(work, 'readme-home');
    const offline = join(work, 'offline');
    mkdirSync(home);
    mkdirSync(offline);
    copyFileSync(nupkg, join(offline, `AzsBackup.${version}.nupkg`));
    const script = `$ErrorActionPreference = 'Stop'\n${readmeBlock('## Installing the module')}
$module = Get-Module AzsBackup
"MODULEBASE=$($module.ModuleBase)"
$location = Get-AzsBackupConfiguration
"TYPE=$($location.PSObject.TypeNames[0])"
"ENGINEMODE=$([System.Convert]::ToString([int][System.IO.File]::GetUnixFileMode((Join-Path $module.ModuleBase 'binaries/linux-x64/azsbackup')), 8))"
`;
    const result = await runScript(script, { cwd: offline, env: pwshEnv(home) });
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const base = /MODULEBASE=(.*)/.exec(result.stdout)?.[1]?.trim() ?? '';
    expect(base).toBe(join(home, '.local', 'share', 'powershell', 'Modules', 'AzsBackup', version));
    expect(result.stdout).toMatch(/TYPE=.*BackupLocation/);
    // The package lost the execute bit; the module put it back, and nothing else was needed.
    expect(result.stdout).toContain('ENGINEMODE=755');
    expect(sha256(join(base, 'binaries', 'win-x64', 'azsbackup.exe'))).toBe(sha256(join(root, 'binaries', 'win-x64', 'azsbackup.exe')));
    expect(sha256(join(base, 'binaries', 'linux-x64', 'azsbackup'))).toBe(sha256(join(root, 'binaries', 'linux-x64', 'azsbackup')));
  });

  it('saves with Save-PSResource into a folder on PSModulePath; Import-Module AzsBackup then finds it by name', async () => {
    const home = join(work, 'save-home');
    const modules = join(work, 'modules');
    mkdirSync(home);
    mkdirSync(modules);
    const script = `$ErrorActionPreference = 'Stop'
Register-PSResourceRepository -Name AzsBackupDist -Uri '${join(root, 'dist')}' -Trusted
Save-PSResource -Name AzsBackup -Repository AzsBackupDist -Path '${modules}'
$engine = '${join(modules, 'AzsBackup', version, 'binaries', 'linux-x64', 'azsbackup')}'
"SAVEDMODE=$([System.Convert]::ToString([int][System.IO.File]::GetUnixFileMode($engine), 8))"
Import-Module AzsBackup
"MODULEBASE=$((Get-Module AzsBackup).ModuleBase)"
Add-AzsBackupRole -Name KeyVault -Path '${join(home)}' | Out-Null
(Get-AzsBackupRole).Name
"USEDMODE=$([System.Convert]::ToString([int][System.IO.File]::GetUnixFileMode($engine), 8))"
`;
    const result = await runScript(script, { env: pwshEnv(home, { PSModulePath: modules }) });
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain(`MODULEBASE=${join(modules, 'AzsBackup', version)}`);
    expect(result.stdout).toMatch(/^KeyVault$/m);
    // What the package format does to the engine, and what the module did about it.
    expect(result.stdout).toMatch(/^SAVEDMODE=6[0-7][0-7]$/m);
    expect(result.stdout).toContain('USEDMODE=755');
  });

  it('says which chmod to run when it may not restore the execute bit itself', async () => {
    // An AllUsers-style install: the module belongs to root, the operator is not root.
    const modules = join(work, 'allusers');
    const home = join(work, 'nobody-home');
    mkdirSync(home);
    chmodSync(home, 0o777);
    chmodSync(work, 0o755);
    cpSync(join(work, 'modules'), modules, { recursive: true });
    const engine = join(modules, 'AzsBackup', version, 'binaries', 'linux-x64', 'azsbackup');
    chmodSync(engine, 0o644);
    const script = `Import-Module AzsBackup
try { Get-AzsBackupConfiguration -ErrorAction Stop; 'NO-ERROR' } catch { "ID=$($_.FullyQualifiedErrorId)"; "MESSAGE=$($_.Exception.Message)"; "ACTION=$($_.ErrorDetails.RecommendedAction)" }
`;
    const result = await runScript(script, { env: pwshEnv(home, { PSModulePath: modules }), asNobody: true });
    expect(result.stdout, result.stderr).toContain('ID=AzsBackup.EngineNotExecutable');
    expect(result.stdout).toContain(`MESSAGE=The AzsBackup engine '${engine}' is not executable (mode 644)`);
    expect(result.stdout).toContain(`ACTION=Run once, as the owner of the module files or as root: chmod a+x '${engine}'`);
    expect(statSync(engine).mode & 0o777).toBe(0o644);
  });
});
