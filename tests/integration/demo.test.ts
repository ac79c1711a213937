import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');

describe('bash scripts/demo (the README main command)', () => {
  it('shows the cmdlets in pwsh against a private Samba share and restores byte for byte', () => {
    const r = spawnSync('bash', ['scripts/demo'], { cwd: ROOT, encoding: 'utf8', timeout: 280_000 });
    const out = `${r.stdout}${r.stderr}`;
    expect(r.status, out).toBe(0);
    // Each step as an operator types it, in this order.
    const steps = [
      'PS> Import-Module ./AzsBackup.psd1',
      'PS> Add-AzsBackupRole -Name KeyVault',
      "PS> Set-AzsBackupConfiguration -Path '\\\\127.0.0.1\\backups\\contoso.com\\nyc' -UserName 'CONTOSO\\",
      'PS> $backup = Start-AzsBackup',
      'PS> Get-AzsBackup',
      'PS> Get-AzsBackupStatus',
      'PS> Restore-AzsBackup -Name $backup.Name',
    ];
    let at = 0;
    for (const step of steps) {
      const found = out.indexOf(step, at);
      expect(found, `${step}\n---\n${out}`).toBeGreaterThan(-1);
      at = found;
    }
    expect(out).toMatch(/Status\s+: Succeeded/);
    expect(out).toContain('restored data is byte-identical to the original');
    // Secrets come from the environment and are never printed.
    expect(out).not.toMatch(/DEMO_(SHARE|PFX)_PASSWORD=/);
  });
});
