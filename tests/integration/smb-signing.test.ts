/**
 * SMB signing is required by default, and relaxing it for an old server is an explicit,
 * warned-about setting. The server that cannot sign is a real smbd whose share is reached as a
 * guest: a guest session has no session key, so nothing in it can be signed (Windows refuses such
 * "insecure guest logons" for the same reason). The same server signs an authenticated session,
 * which shows the refusal is about signing and not about the server.
 */
import { chmod, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestCertificate, type TestCertificate } from '../support/certs.js';
import { runEngine } from '../support/engine.js';
import { startSamba, type SambaServer } from '../support/samba.js';
import { scratchDir } from '../support/scratch.js';

type Obj = Record<string, unknown>;
let samba: SambaServer;
let cert: TestCertificate;
let work = '';

beforeAll(async () => {
  samba = await startSamba({
    // Unknown accounts become the guest account; the share lets guests in.
    extraGlobal: { 'map to guest': 'Bad User', 'guest account': 'azsbtest' },
    extraShare: { 'guest ok': 'yes', 'valid users': '' },
  });
  work = await scratchDir('azsb-signing-');
  cert = makeTestCertificate(join(work, 'cert'));
});
afterAll(async () => {
  await samba?.destroy();
});

async function site(name: string): Promise<{ home: string; path: string }> {
  await mkdir(join(samba.shareDir, name), { mode: 0o777 });
  await chmod(join(samba.shareDir, name), 0o777);
  return { home: join(work, `${name}-state`), path: `${samba.uncPath}\\${name}` };
}

const run = (home: string, args: string[], secrets?: Record<string, string>) => runEngine(args, { home, env: samba.env, ...(secrets ? { secrets } : {}) });

describe('SMB signing', () => {
  it('refuses by default a session the server does not sign, and says how to allow it', async () => {
    const { home, path } = await site('guest-default');
    const set = await run(home, ['config', 'set', '--path', path, '--user-name', 'WORKGROUP\\nobody-here', '--encryption-cert', cert.cerPath], { password: 'any password' });
    expect(set.error?.code).toBe('ShareAuthentication');
    expect(set.error?.remediation).toMatch(/requires SMB signing/);
    expect(set.error?.remediation).toMatch(/-SmbSigning Relaxed/);
    // Nothing was saved: the location is still unconfigured.
    expect(((await run(home, ['config', 'get'])).data as Obj).Path).toBeNull();

    // The same server signs an authenticated session, which is accepted.
    const signed = await run(home, ['config', 'set', '--path', path, '--user-name', samba.userName, '--encryption-cert', cert.cerPath], { password: samba.password });
    expect(signed.error, JSON.stringify(signed.error)).toBeNull();
  });

  it('accepts it with --smb-signing Relaxed, with a warning when set and in the status', async () => {
    const { home, path } = await site('guest-relaxed');
    const set = await run(home, ['config', 'set', '--path', path, '--user-name', 'WORKGROUP\\nobody-here', '--encryption-cert', cert.cerPath, '--smb-signing', 'Relaxed'], {
      password: 'any password',
    });
    expect(set.error, JSON.stringify(set.error)).toBeNull();
    expect(set.warnings.join('\n')).toMatch(/SMB signing is relaxed/);
    expect(set.warnings.join('\n')).toMatch(/-SmbSigning Required/);

    const roleDir = join(work, 'role');
    await mkdir(roleDir, { recursive: true });
    expect((await run(home, ['role', 'add', '--name', 'KeyVault', '--path', roleDir])).error).toBeNull();
    const backup = await run(home, ['backup', 'start']);
    expect((backup.data as Obj).Status).toBe('Succeeded');
    const status = (await run(home, ['status'])).data as Obj;
    expect((status.Warnings as string[]).join('\n')).toMatch(/SMB signing is relaxed/);

    // Back to Required: refused again (the saved setting, not the command line, decides).
    const strict = await run(home, ['config', 'set', '--smb-signing', 'Required']);
    expect(strict.error?.code).toBe('ShareAuthentication');
    expect((await run(home, ['backup', 'list'])).error).toBeNull();
  });

  it('rejects a policy it does not know, naming the choices', async () => {
    const { home } = await site('bad-policy');
    const bad = await run(home, ['config', 'set', '--smb-signing', 'off']);
    expect(bad.error?.code).toBe('InvalidParameter');
    expect(bad.error?.message).toMatch(/SmbSigning/);
    expect(bad.error?.message).toMatch(/Required.*Relaxed/);
  });
});
