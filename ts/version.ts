declare const __AZSBACKUP_VERSION__: string | undefined;

/** Stamped by scripts/build.mjs; tests running from source see the dev marker. */
export const ENGINE_VERSION: string =
  typeof __AZSBACKUP_VERSION__ === 'string' ? __AZSBACKUP_VERSION__ : '0.0.0-dev';

/** Version of the on-share layout and encryption format (docs/FORMAT.md). */
export const BACKUP_DATA_VERSION = '1.0.0';
