import { CliOutput } from './output.js';
import { type Secrets, readSecretsFromStdin } from './secrets.js';
import { type EngineContext, defaultContext } from '../engine/context.js';

export interface CommandOptions {
  text?: boolean;
  secretsStdin?: boolean;
}

/**
 * Runs one command body with the shared plumbing: output protocol, secrets from stdin, and the
 * mapping of any failure to one error line plus its documented exit code.
 */
export async function runCommand(
  options: CommandOptions,
  body: (ctx: EngineContext, secrets: Secrets, out: CliOutput) => Promise<unknown>,
): Promise<void> {
  const out = new CliOutput(Boolean(options.text));
  try {
    const secrets = options.secretsStdin ? await readSecretsFromStdin() : {};
    const ctx = defaultContext(out);
    const data = await body(ctx, secrets, out);
    if (data !== undefined) out.result(data);
  } catch (err) {
    const e = out.error(err);
    process.exitCode = e.exitCode;
  }
}
