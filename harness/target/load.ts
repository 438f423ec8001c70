import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Target } from '../core/api.js';
import { UsageError } from '../core/errors.js';
import { BUNDLED } from './bundled.js';
import { didYouMean, withSuggestion } from '../core/suggest.js';
import { recordTargetFile } from '../host/index.js';
import { settleRealWork } from '../core/real.js';

export interface LoadedTarget {
  target: Target;
  /** What a replay command should name: the bundled name or the path as the user gave it. */
  ref: string;
  bundled: boolean;
}

/** A `<target>` argument is a path when it looks like one; otherwise a bundled name. */
export function looksLikePath(ref: string): boolean {
  return ref.includes('/') || ref.includes('\\') || /\.(m?[jt]s|cjs|cts)$/.test(ref);
}

export async function loadTarget(ref: string): Promise<LoadedTarget> {
  const name = targetRefName(ref);
  if (looksLikePath(ref)) return { target: await loadTargetFile(ref), ref, bundled: false };
  const entry = BUNDLED.find((b) => b.name === name)!;
  const url = new URL(entry.module, import.meta.url);
  let mod: unknown;
  try {
    mod = await import(url.href);
  } catch (e) {
    throw new UsageError(`bundled target '${ref}' failed to load: ${(e as Error).message}`);
  }
  const target = validateTarget(defaultExport(mod), ref);
  recordTargetFile(target, fileURLToPath(url));
  return { target, ref, bundled: true };
}

/**
 * What loading `ref` would refuse at once (an unknown bundled name, a missing file), checked
 * without loading it, and a name for its report directory: the bundled name, or the file's name
 * without its extension. A command makes its report directory before the slow load.
 */
export function targetRefName(ref: string): string {
  if (typeof ref !== 'string' || ref.length === 0) throw new UsageError('a target name or path is required');
  if (looksLikePath(ref)) {
    const abs = isAbsolute(ref) ? ref : resolve(process.cwd(), ref);
    if (!existsSync(abs) || !statSync(abs).isFile()) {
      const hint = nearbyFile(abs, ref);
      throw new UsageError(`target file not found: ${ref}${hint ? ` (${hint})` : ''}`);
    }
    return basename(abs).replace(/\.(m?[jt]s|cjs|cts)$/, '');
  }
  if (!BUNDLED.some((b) => b.name === ref)) {
    const names = BUNDLED.map((b) => b.name);
    throw new UsageError(`unknown target '${ref}'${withSuggestion(ref, names, `bundled: ${names.join(', ')}; or give a path to a target file`)}`);
  }
  return ref;
}

async function loadTargetFile(ref: string): Promise<Target> {
  const abs = isAbsolute(ref) ? ref : resolve(process.cwd(), ref);
  let mod: unknown;
  try {
    if (/\.[cm]?ts$/.test(abs)) {
      // TypeScript targets are compiled on the fly; a plain .js target needs nothing.
      mod = await importTypeScript(abs);
    } else {
      mod = await import(pathToFileURL(abs).href);
    }
  } catch (e) {
    // esbuild's "Transform failed with N errors:" puts file:line:col on the lines after it.
    const msg = e instanceof Error ? e.message : String(e);
    const text = /^Transform failed/.test(msg) ? msg.split('\n').slice(1, 4).filter((l) => l.trim().length > 0).join('; ') : firstLine(e);
    // Node reads a .ts outside a "type": "module" package as CommonJS, where await cannot be top-level.
    const hint = /Top-level await/.test(msg) ? ' (the file is CommonJS to Node: name it .mts, or add "type": "module" to its package.json)' : '';
    throw new UsageError(`target file ${ref} failed to load: ${text || firstLine(e)}${hint}`);
  }
  // A loader's own requests (tsx's IPC connect, its file reads) end before the first run starts.
  await settleRealWork();
  const target = validateTarget(defaultExport(mod), ref);
  recordTargetFile(target, abs);
  return target;
}

/**
 * A `.ts` file outside a `"type": "module"` package is CommonJS to Node. tsx's import() of such a
 * file goes through a data: URL, which puts the module's whole source into every stack frame and
 * a fresh id into every error (so two loads never report the same error); its require() keeps
 * the file's own path and, by source maps, its lines. Top-level await needs the ESM path.
 */
async function importTypeScript(abs: string): Promise<unknown> {
  // tsx's disk cache, on its first use in a thread, schedules a sweep of its cache directory in
  // a real setImmediate (FileCache.initialize → expireDiskCache: opendir, stat, unlink). Run in a
  // host target's worker, that sweep overlaps the thread's first host run, and its fs requests
  // were charged to the seed as escaped-simulation (seed 1 of a fresh .ts target outside a
  // package: `init --host`'s starter, every time). Read before tsx loads: compile without it.
  process.env['TSX_DISABLE_CACHE'] ??= '1';
  if (moduleFormat(abs) === 'commonjs') {
    try {
      const { require: tsxRequire } = await import('tsx/cjs/api');
      return tsxRequire(abs, import.meta.url);
    } catch (e) {
      const code = (e as { code?: unknown }).code;
      if (code !== 'ERR_REQUIRE_ASYNC_MODULE' && code !== 'ERR_REQUIRE_ESM') throw e;
    }
  }
  const { tsImport } = await import('tsx/esm/api');
  return tsImport(pathToFileURL(abs).href, import.meta.url);
}

/** How Node reads the file: by its extension, else by the nearest package.json's `type`. */
function moduleFormat(abs: string): 'module' | 'commonjs' {
  if (abs.endsWith('.mts')) return 'module';
  if (abs.endsWith('.cts')) return 'commonjs';
  for (let dir = dirname(abs); ; dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        return (JSON.parse(readFileSync(pkg, 'utf8')) as { type?: unknown }).type === 'module' ? 'module' : 'commonjs';
      } catch {
        return 'commonjs';
      }
    }
    if (dirname(dir) === dir || basename(dir) === 'node_modules') return 'commonjs';
  }
}

function defaultExport(mod: unknown): unknown {
  let m = (mod as { default?: unknown }).default;
  // tsx may wrap a CommonJS-style module once more.
  if (m !== null && typeof m === 'object' && 'default' in m && !('setup' in m)) m = (m as { default: unknown }).default;
  return m;
}

/** Checks the shape a target file must default-export, naming the first thing wrong. */
export function validateTarget(t: unknown, ref: string): Target {
  const bad = (what: string): never => {
    throw new UsageError(`${ref} does not export a valid target: ${what}`);
  };
  if (t === null || typeof t !== 'object') bad('expected `export default { name, description, variants, setup }`');
  const o = t as Record<string, unknown>;
  if (typeof o['name'] !== 'string' || o['name'].length === 0) bad('`name` must be a non-empty string');
  if (typeof o['setup'] !== 'function') bad('`setup(sim, { variant })` must be a function');
  const v = o['variants'];
  if (!Array.isArray(v) || v.length === 0 || !v.every((x) => typeof x === 'string' && x.length > 0)) {
    bad('`variants` must be a non-empty array of strings');
  }
  if (new Set(v as string[]).size !== (v as string[]).length) bad('`variants` has duplicates');
  if (o['description'] !== undefined && typeof o['description'] !== 'string') bad('`description` must be a string');
  if (o['ignore'] !== undefined && !(Array.isArray(o['ignore']) && o['ignore'].every((x) => typeof x === 'string'))) {
    bad('`ignore` must be an array of violation kinds');
  }
  return { description: '', ...(o as object) } as Target;
}

export function checkVariant(target: Target, variant: string): void {
  if (!target.variants.includes(variant)) {
    throw new UsageError(`unknown variant '${variant}' of target ${target.name}${withSuggestion(variant, target.variants, `variants: ${target.variants.join(', ')}`)}`);
  }
}

/**
 * For a target path that does not exist: a file of a like name in the same directory, or the
 * bundled target the path's name spells (`raft.ts` for `raft`). '' when nothing is near.
 */
function nearbyFile(abs: string, ref: string): string {
  const name = basename(abs);
  const bare = name.replace(/\.(m?[jt]s|cjs|cts)$/, '');
  if (BUNDLED.some((b) => b.name === bare) && !ref.includes('/') && !ref.includes('\\')) return `the bundled target is named ${bare}, without an extension`;
  let siblings: string[];
  try {
    siblings = readdirSync(dirname(abs)).filter((f) => /\.(m?[jt]s|cjs|cts)$/.test(f) && !f.endsWith('.d.ts'));
  } catch {
    return '';
  }
  const dir = ref.endsWith(name) ? ref.slice(0, ref.length - name.length) : '';
  return didYouMean(name, siblings, (f) => `${dir}${f}`);
}

function firstLine(e: unknown): string {
  const s = e instanceof Error ? e.message : String(e);
  return s.split('\n')[0] ?? s;
}
