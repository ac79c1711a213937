// Issue 15's like-for-like peers for scripts/bench: restic writing to the same Samba share as
// AzsBackup (through Debian's rclone, whose smb backend restic reaches as `-r rclone:...`), the
// plain pipeline `tar | zstd -1 -T1 | smbclient put` to that share, and what each one's SMB
// sessions were protected with, as smbd itself reports it.
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const smbstatusBinary = () => ['/usr/bin/smbstatus', '/usr/sbin/smbstatus'].find((p) => spawnSync('test', ['-x', p]).status === 0) ?? 'smbstatus';

/**
 * Runs `file args` (untimed) while asking smbd, back to back, which sessions it serves and how
 * they are protected. Returns the distinct descriptions seen, e.g.
 * "SMB3_11, signing AES-128-GMAC, encryption AES-128-GCM". With `hold`, the child's stdin stays
 * open until a session has been seen carrying a request (or 10 s passed): for a client whose
 * session would otherwise end before smbd could be asked.
 *
 * smbd reports a tree connection's signing and encryption only once a request has used it: asked
 * between the tree connect and the first request, it says "none" for a session that signs and
 * encrypts everything (one run printed exactly that). Such idle sightings count only when no
 * connection was ever seen carrying a request.
 */
export async function observeProtection(samba, file, args, options = {}) {
  const carried = new Set();
  const idle = new Set();
  const smbstatus = smbstatusBinary();
  const { hold = false, input = '', ...spawnOptions } = options;
  const child = spawn(file, args, { stdio: ['pipe', 'ignore', 'ignore'], ...spawnOptions });
  child.stdin.on('error', () => {});
  if (!hold) child.stdin.end(input);
  let running = true;
  const exited = new Promise((resolve) => child.once('close', () => resolve((running = false))));
  const deadline = Date.now() + 10_000;
  while (running) {
    const r = spawnSync(smbstatus, ['-s', samba.configFile, '--json'], { encoding: 'utf8' });
    try {
      const status = JSON.parse(r.stdout);
      for (const tcon of Object.values(status.tcons ?? {})) {
        const session = status.sessions?.[tcon.session_id];
        const used = (c) => c !== undefined && c.cipher !== '-';
        const cipher = (c) => (used(c) ? c.cipher : 'none');
        const described = `${session?.session_dialect ?? 'SMB?'}, signing ${cipher(tcon.signing)}, encryption ${cipher(tcon.encryption)}`;
        (used(tcon.signing) || used(tcon.encryption) ? carried : idle).add(described);
      }
    } catch {
      // smbstatus raced a session's end; ask again
    }
    if (hold && !child.stdin.writableEnded && (carried.size > 0 || Date.now() > deadline)) child.stdin.end();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  await exited;
  const seen = carried.size > 0 ? carried : idle;
  return seen.size > 0 ? [...seen].join('; ') : 'no session observed';
}

/**
 * Environment for restic + rclone against the Samba share: rclone's whole configuration comes
 * from RCLONE_CONFIG_<REMOTE>_* variables (the password obscured by `rclone obscure -`, fed on
 * stdin), and RCLONE_CONFIG points at an empty file so no user configuration leaks in.
 */
export function resticSmbEnv({ work, samba, base }) {
  const [domain, user] = samba.userName.split('\\');
  const obscure = spawnSync('rclone', ['obscure', '-'], { input: samba.password, encoding: 'utf8' });
  if (obscure.status !== 0) throw new Error(`rclone obscure failed: ${obscure.stderr}`);
  const config = join(work, 'rclone.conf');
  writeFileSync(config, '', { mode: 0o600 });
  return {
    ...base,
    RCLONE_CONFIG: config,
    RCLONE_CONFIG_AZSBBENCH_TYPE: 'smb',
    RCLONE_CONFIG_AZSBBENCH_HOST: '127.0.0.1',
    RCLONE_CONFIG_AZSBBENCH_PORT: String(samba.port),
    RCLONE_CONFIG_AZSBBENCH_USER: user,
    RCLONE_CONFIG_AZSBBENCH_DOMAIN: domain,
    RCLONE_CONFIG_AZSBBENCH_PASS: obscure.stdout.trim(),
    RESTIC_REPOSITORY: `rclone:azsbbench:${samba.shareName}/restic-bench`,
  };
}

/**
 * smbclient arguments for the plain pipeline: the same connection options the engine uses by
 * default (SMB2.1 at least, signing required, encryption whenever the server offers it), with
 * the password in a 0600 authentication file, as the engine passes it.
 */
export function plainSmbclientArgs({ work, samba, clientOptions, command }) {
  const [, , host, share] = samba.uncPath.split('\\');
  const [domain, user] = samba.userName.split('\\');
  const authFile = join(work, 'plain-pipeline.auth');
  writeFileSync(authFile, `username = ${user}\npassword = ${samba.password}\ndomain = ${domain}\n`, { mode: 0o600 });
  return [`//${host}/${share}`, `--port=${samba.port}`, '--quiet', `--authentication-file=${authFile}`, ...Object.entries(clientOptions).map(([k, v]) => `--option=${k}=${v}`), '-c', command];
}
