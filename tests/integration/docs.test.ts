import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';

/**
 * Every command the README and docs/ show is run here exactly as written. A fenced block in
 * `sh` or `powershell` runs in tests/docs/sandbox-host.ts (a real Samba server named
 * `fileserver`, fresh system folders); a block that cannot run on this machine says why in an
 * HTML comment on the line before its fence, `<!-- not run by tests/docs: reason -->`, and the
 * reason is listed in this suite's output.
 */
const ROOT = join(import.meta.dirname, '../..');
const HOST = join(ROOT, '.cache', 'docs-sandbox.mjs');
const RUNNABLE = new Set(['sh', 'bash', 'powershell', 'pwsh']);

interface Block {
  file: string;
  line: number;
  lang: string;
  code: string;
  notRun: string | null;
}

export function codeBlocks(file: string, text: string): Block[] {
  const lines = text.split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i += 1) {
    const open = /^```(\w*)\s*$/.exec(lines[i] ?? '');
    if (open === null) continue;
    const end = lines.findIndex((l, j) => j > i && /^```\s*$/.test(l));
    if (end < 0) throw new Error(`${file}:${i + 1}: unclosed code fence`);
    const before = lines.slice(0, i).reverse().find((l) => l.trim() !== '') ?? '';
    const note = /^<!-- not run by tests\/docs: (.+?) -->$/.exec(before.trim());
    blocks.push({ file, line: i + 1, lang: open[1] ?? '', code: lines.slice(i + 1, end).join('\n'), notRun: note?.[1] ?? null });
    i = end;
  }
  return blocks;
}

const docs = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((n) => n.endsWith('.md')).map((n) => `docs/${n}`)];
const blocks = docs.flatMap((file) => codeBlocks(file, readFileSync(join(ROOT, file), 'utf8'))).filter((b) => RUNNABLE.has(b.lang));

beforeAll(async () => {
  await build({
    entryPoints: [join(ROOT, 'tests', 'docs', 'sandbox-host.ts')],
    outfile: HOST,
    bundle: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    logLevel: 'warning',
  });
});

describe('commands in the README and docs/', () => {
  it('finds the documented blocks, and every one it does not run says why', () => {
    expect(blocks.filter((b) => b.notRun === null).length).toBeGreaterThanOrEqual(3);
    for (const b of blocks.filter((x) => x.notRun !== null)) {
      expect(b.notRun!.trim().length, `${b.file}:${b.line}`).toBeGreaterThan(10);
      console.log(`not run: ${b.file}:${b.line} (${b.notRun})`);
    }
  });

  it.each(blocks.filter((b) => b.notRun === null).map((b) => [`${b.file}:${b.line} (${b.lang})`, b] as const))('%s runs as written', (_name, block) => {
    const work = mkdtempSync(join(tmpdir(), 'azsb-docs-'));
    try {
      const spec = join(work, 'block.json');
      writeFileSync(spec, JSON.stringify({ lang: block.lang === 'pwsh' ? 'powershell' : block.lang === 'bash' ? 'sh' : block.lang, code: block.code, work }));
      const r = spawnSync('unshare', ['--mount', '--net', '--', process.execPath, HOST, ROOT, spec], { encoding: 'utf8', timeout: 240_000 });
      const out = `${r.stdout ?? ''}${r.stderr ?? ''}`;
      expect(out, out).toMatch(/SANDBOX-EXIT 0\s*$/);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});
