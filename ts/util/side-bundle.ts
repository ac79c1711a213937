/**
 * Dependencies that few runs use and every start would pay for. The Azure Storage SDK and execa
 * were 1.5 MB of the engine's 2.2 MB bundle: V8 takes in the whole script at every start even
 * though their code runs only for a blob location or a Windows share with credentials, and
 * leaving them out took about 20 ms off each start (docs/BENCHMARK.md). scripts/build.mjs bundles
 * each on its own and the executable carries them as SEA assets. Anywhere else (the TypeScript
 * sources under the test runner, the bundle run by plain node from the repository) `fallback`
 * imports the package from node_modules as usual.
 *
 * The side bundles require only Node's built-ins, so the executable's `require`, which reaches
 * nothing else, serves them as it serves the main bundle.
 */
export const SIDE_BUNDLES = {
  azureStorageBlob: 'azure-storage-blob.cjs',
  execa: 'execa.cjs',
} as const;

const loaded = new Map<string, unknown>();

export async function loadSideBundle<T>(asset: string, fallback: () => Promise<T>): Promise<T> {
  if (loaded.has(asset)) return loaded.get(asset) as T;
  let exports: T;
  const sea = await import('node:sea').catch(() => null);
  if (sea?.isSea()) {
    const { compileFunction } = await import('node:vm');
    const module = { exports: {} as T };
    const run = compileFunction(sea.getAsset(asset, 'utf8'), ['exports', 'require', 'module', '__filename', '__dirname'], { filename: asset });
    run(module.exports, require, module, asset, '.');
    exports = module.exports;
  } else {
    exports = await fallback();
  }
  loaded.set(asset, exports);
  return exports;
}
