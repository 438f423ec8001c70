/**
 * Host mode's private ES module loader (`ctx.host.import`): fresh module instances per node
 * incarnation through `vm.SourceTextModule`, linked by the harness's own resolver. Each file is
 * read once per thread and its V8 code cache made once (`cachedData`), so an instance is one
 * more construction from cached code, not a parse; Node's own ESM loader and its module map are
 * never touched, and no copy outlives the instances that hold it (no query-string cache busting).
 * CommonJS files an ES module imports come from the incarnation's private CommonJS loader
 * (loader.ts: one instance per file for both), built-ins are the stubs and virtual timers
 * that `require` gives (stubs.ts). `vm.SourceTextModule` exists only in threads started with
 * `--experimental-vm-modules` (host targets' campaign workers are).
 */
import { readFileSync, statSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { dirname, join, resolve as resolvePath } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as vm from 'node:vm';
import { UsageError } from '../core/errors.js';
import { isEsm, type BuiltinFor, type ModuleInstances } from './loader.js';

/** The flag's own name, for the error that names the fix. */
export const VM_MODULES_FLAG = '--experimental-vm-modules';

/** Conditions an `import` matches in a package's "exports", as Node's defaults ("default" always). */
const CONDITIONS = new Set(['node', 'import', 'default']);

// vm's module classes, typed here: @types/node declares them, Node defines them only under the flag.
type VmModule = vm.Module;
const vmm = vm as Partial<Pick<typeof vm, 'SourceTextModule' | 'SyntheticModule'>>;

/** A host target's worker threads' execArgv (harness/campaign/parallel.ts; threads that inherit NODE_OPTIONS need none). */
export function hostWorkerExecArgv(): string[] {
  return [VM_MODULES_FLAG];
}

/** True when this thread can load ES modules (it was started with the flag). */
export function esmAvailable(): boolean {
  return typeof vmm.SourceTextModule === 'function';
}

function flagError(): UsageError {
  return new UsageError(`ctx.host.import needs ES module support, which this thread lacks: host runs in run/campaign workers have it; for replay --schedule, shrink, regress or an inline run, start node with ${VM_MODULES_FLAG} (NODE_OPTIONS=${VM_MODULES_FLAG})`);
}

// ---- resolution (per thread: files do not change under a campaign) -------------------------

interface Pkg {
  readonly dir: string;
  readonly exports: unknown;
  readonly imports: unknown;
  readonly main: string | undefined;
}

const resolved = new Map<string, string>();
const packages = new Map<string, Pkg | null>();

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

function notFound(spec: string, fromDir: string, why: string): UsageError {
  return new UsageError(`host mode: cannot find module '${spec}' imported from ${fromDir}: ${why}`);
}

function packageAt(dir: string): Pkg | null {
  let p = packages.get(dir);
  if (p !== undefined) return p;
  const file = join(dir, 'package.json');
  p = null;
  if (isFile(file)) {
    let json: { exports?: unknown; imports?: unknown; main?: unknown };
    try {
      json = JSON.parse(readFileSync(file, 'utf8')) as { exports?: unknown; imports?: unknown; main?: unknown };
    } catch (e) {
      throw new UsageError(`host mode: ${file} is not valid JSON: ${(e as Error).message}`);
    }
    p = { dir, exports: json.exports, imports: json.imports, main: typeof json.main === 'string' ? json.main : undefined };
  }
  packages.set(dir, p);
  return p;
}

/** An "exports" target (a string, a conditions object or an array of either) for `import`. */
function exportTarget(target: unknown, star: string | null): string | null {
  if (typeof target === 'string') return star === null ? target : target.split('*').join(star);
  if (Array.isArray(target)) {
    for (const t of target as unknown[]) {
      const r = exportTarget(t, star);
      if (r !== null) return r;
    }
    return null;
  }
  if (target !== null && typeof target === 'object') {
    // Conditions are tried in the object's own order, as Node does.
    for (const [cond, t] of Object.entries(target as Record<string, unknown>)) {
      if (!CONDITIONS.has(cond)) continue;
      const r = exportTarget(t, star);
      if (r !== null) return r;
    }
  }
  return null;
}

/** `subpath` ('.' or './x') of a package through its "exports". */
function throughExports(exports: unknown, subpath: string): string | null {
  const isSubpathMap = exports !== null && typeof exports === 'object' && !Array.isArray(exports) && Object.keys(exports).some((k) => k.startsWith('.'));
  if (!isSubpathMap) return subpath === '.' ? exportTarget(exports, null) : null;
  return throughKeys(exports as Record<string, unknown>, subpath);
}

/** `key` through a map of "exports" subpaths or "imports" names: the exact key, else the
 * one-'*' pattern with the longest prefix (Node's PACKAGE_IMPORTS_EXPORTS_RESOLVE). */
function throughKeys(map: Record<string, unknown>, key: string): string | null {
  if (Object.hasOwn(map, key)) return exportTarget(map[key], null);
  let best: { key: string; star: string } | null = null;
  for (const k of Object.keys(map)) {
    const at = k.indexOf('*');
    if (at < 0) continue;
    const pre = k.slice(0, at);
    const post = k.slice(at + 1);
    if (key.length < k.length - 1 || !key.startsWith(pre) || !key.endsWith(post)) continue;
    if (best === null || pre.length > best.key.indexOf('*')) best = { key: k, star: key.slice(pre.length, key.length - post.length) };
  }
  return best === null ? null : exportTarget(map[best.key], best.star);
}

/** The package scope of a file in `dir`: the nearest package.json at or above it, as Node finds it. */
function scopeOf(dir: string): Pkg | null {
  for (let d = dir; ; d = dirname(d)) {
    const p = packageAt(d);
    if (p !== null) return p;
    if (dirname(d) === d) return null;
  }
}

/** `#name` through the "imports" of the importing file's own package: a file of that package
 * ("./…") or another package (a bare name, resolved from the package's directory). */
function packageImport(spec: string, fromDir: string): string {
  if (spec === '#' || spec.startsWith('#/')) throw notFound(spec, fromDir, 'not a valid package "imports" name');
  const pkg = scopeOf(fromDir);
  const imports = pkg?.imports;
  if (pkg === null || pkg === undefined || imports === null || typeof imports !== 'object' || Array.isArray(imports)) {
    throw notFound(spec, fromDir, 'no package.json with an "imports" map at or above it');
  }
  const target = throughKeys(imports as Record<string, unknown>, spec);
  const where = `${join(pkg.dir, 'package.json')} "imports"`;
  if (target === null) throw notFound(spec, fromDir, `${where} has no "import" or "default" target for ${spec}`);
  if (target.startsWith('./')) {
    const file = resolvePath(pkg.dir, target);
    if (!isFile(file)) throw notFound(spec, fromDir, `${where} maps it to ${file}, which does not exist`);
    return file;
  }
  // As Node: a URL is no target, `node:` included; a bare built-in name is.
  if (target.startsWith('../') || target.startsWith('/') || /^[a-z][a-z0-9+.-]*:/i.test(target)) {
    throw notFound(spec, fromDir, `${where} maps it to ${target}: a target is "./…" or a package name`);
  }
  return isBuiltin(target) ? `node:${target}` : bareImport(target, pkg.dir);
}

/** Node's legacy "main" lookup for a package without "exports" (extensions and index tried). */
function legacyMain(pkg: Pkg): string | null {
  const tries: string[] = [];
  if (pkg.main !== undefined) {
    const m = join(pkg.dir, pkg.main);
    tries.push(m, `${m}.js`, `${m}.json`, join(m, 'index.js'), join(m, 'index.json'));
  }
  tries.push(join(pkg.dir, 'index.js'), join(pkg.dir, 'index.json'));
  return tries.find(isFile) ?? null;
}

function bareImport(spec: string, fromDir: string): string {
  const parts = spec.split('/');
  const nameLen = spec.startsWith('@') ? 2 : 1;
  if (parts.length < nameLen || parts.slice(0, nameLen).some((p) => p.length === 0)) throw notFound(spec, fromDir, 'not a valid package name');
  const name = parts.slice(0, nameLen).join('/');
  const subpath = parts.length > nameLen ? `./${parts.slice(nameLen).join('/')}` : '.';
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const pkgDir = join(dir, 'node_modules', name);
    let here = false;
    try {
      here = statSync(pkgDir).isDirectory();
    } catch {
      here = false;
    }
    if (here) {
      const pkg = packageAt(pkgDir) ?? { dir: pkgDir, exports: undefined, imports: undefined, main: undefined };
      let file: string | null;
      if (pkg.exports !== undefined && pkg.exports !== null) {
        const target = throughExports(pkg.exports, subpath);
        if (target === null || !target.startsWith('./')) throw notFound(spec, fromDir, `${name}'s package.json "exports" has no "import" or "default" target for ${subpath}`);
        file = resolvePath(pkgDir, target);
      } else {
        file = subpath === '.' ? legacyMain(pkg) : join(pkgDir, subpath);
      }
      if (file === null || !isFile(file)) throw notFound(spec, fromDir, `${file ?? pkgDir} does not exist`);
      return file;
    }
    if (dirname(dir) === dir) throw notFound(spec, fromDir, `no node_modules/${name} in it or above`);
  }
}

/**
 * What `import spec` from a file in `fromDir` names: `node:<id>` for a built-in, else an
 * absolute file. As Node's ESM resolver for the common cases: relative and absolute paths and
 * file: URLs are exact (no extension is added); a bare name goes through its package's
 * "exports" ("import", "node" or "default" conditions; a string, "." or a subpath, one-`*`
 * patterns), else its "main" (extensions and index.js tried, as Node's legacy lookup); `#name`
 * through the "imports" of the importing file's own package, by the same rules.
 */
export function resolveImport(fromDir: string, spec: string): string {
  if (typeof spec !== 'string' || spec.length === 0) throw new TypeError(`host import: specifier must be a non-empty string, got ${String(spec)}`);
  if (spec.startsWith('node:') || isBuiltin(spec)) return spec.startsWith('node:') ? spec : `node:${spec}`;
  const k = `${fromDir}\0${spec}`;
  let f = resolved.get(k);
  if (f !== undefined) return f;
  if (spec.startsWith('./') || spec.startsWith('../') || spec.startsWith('/') || spec.startsWith('file:')) {
    const url = new URL(spec, pathToFileURL(join(fromDir, '/')));
    if (url.protocol !== 'file:') throw notFound(spec, fromDir, 'only file: URLs are supported');
    f = fileURLToPath(url);
    if (!isFile(f)) throw notFound(spec, fromDir, `${f} is not a file (ES module specifiers name the file exactly: extension included)`);
  } else if (spec.startsWith('#')) {
    f = packageImport(spec, fromDir);
  } else if (/^[a-z][a-z0-9+.-]*:/i.test(spec)) {
    throw notFound(spec, fromDir, 'only file: URLs are supported');
  } else {
    f = bareImport(spec, fromDir);
  }
  resolved.set(k, f);
  return f;
}

// ---- compiled source (per thread) ---------------------------------------------------------

interface Source {
  readonly text: string;
  readonly url: string;
  /** V8's code cache for the text: later instances skip parsing (a 78 kB module: about 2 ms
   * to construct from text, 0.2 ms from the cache). */
  cachedData: Buffer | undefined;
  /** Whether the cache may be used: not for a file with a dynamic `import(`, since in Node 20 a
   * module made from cached data loses its importModuleDynamically ("A dynamic import callback
   * was not specified"). */
  readonly cacheable: boolean;
}

const sources = new Map<string, Source>();
const cjsNames = new Map<string, readonly string[]>();

function sourceOf(file: string): Source {
  let s = sources.get(file);
  if (s === undefined) {
    let text = readFileSync(file, 'utf8');
    if (text.startsWith('#!')) text = `//${text.slice(2)}`;
    s = { text, url: pathToFileURL(file).href, cachedData: undefined, cacheable: !/\bimport\s*\(/.test(text) };
    sources.set(file, s);
  }
  return s;
}

/**
 * The names a CommonJS file exports, read from its text as Node's cjs-module-lexer reads them
 * for the common forms (`exports.x =`, `module.exports.x =`, `Object.defineProperty(exports,
 * 'x'`, `module.exports = { a, b: … }`): what an ES module can import by name. `default` is
 * always `module.exports`. Values are read after the file ran, so a detected name that the
 * file never sets is undefined.
 */
export function commonJsExportNames(text: string): readonly string[] {
  const names = new Set<string>();
  for (const m of text.matchAll(/(?:^|[^.\w$])(?:module\.)?exports\.([A-Za-z_$][\w$]*)\s*=[^=]/g)) names.add(m[1]!);
  for (const m of text.matchAll(/Object\.defineProperty\(\s*(?:module\.)?exports\s*,\s*['"]([^'"]+)['"]/g)) names.add(m[1]!);
  for (const m of text.matchAll(/module\.exports\s*=\s*\{/g)) {
    for (const entry of topLevelEntries(text, m.index + m[0].length)) {
      const key = /^\s*['"]?([A-Za-z_$][\w$]*)['"]?\s*(?:[:(]|$)/.exec(entry);
      if (key !== null) names.add(key[1]!);
    }
  }
  names.delete('default');
  return [...names].sort();
}

/** The comma-separated entries of the object literal whose body starts at `from`, nested
 * brackets and strings skipped over (a method's body, a nested object). */
function topLevelEntries(text: string, from: number): string[] {
  const entries: string[] = [];
  let depth = 0;
  let start = from;
  for (let i = from; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"' || c === "'" || c === '`') {
      for (i++; i < text.length && text[i] !== c; i++) if (text[i] === '\\') i++;
    } else if (c === '(' || c === '[' || c === '{') {
      depth++;
    } else if (c === ')' || c === ']' || c === '}') {
      if (depth === 0) {
        entries.push(text.slice(start, i));
        return entries;
      }
      depth--;
    } else if (c === ',' && depth === 0) {
      entries.push(text.slice(start, i));
      start = i + 1;
    }
  }
  return entries;
}

function namesOfCjs(file: string): readonly string[] {
  let n = cjsNames.get(file);
  if (n === undefined) {
    n = commonJsExportNames(readFileSync(file, 'utf8'));
    cjsNames.set(file, n);
  }
  return n;
}

// ---- the ExperimentalWarning ---------------------------------------------------------------

let quiet = false;

/**
 * Node prints "VM Modules is an experimental feature" on the first module construction of a
 * thread: the harness's own use of the flag, nothing the user did, so that one warning is
 * dropped (Node emits it once per thread, synchronously from the constructor).
 */
function construct<T>(make: () => T): T {
  if (quiet) return make();
  const emit = process.emitWarning;
  process.emitWarning = function emitWarning(this: unknown, warning: string | Error, ...rest: unknown[]): void {
    const text = typeof warning === 'string' ? warning : warning.message;
    const type = typeof rest[0] === 'string' ? rest[0] : (rest[0] as { type?: unknown } | undefined)?.type ?? (warning as { name?: unknown }).name;
    if (type === 'ExperimentalWarning' && text.startsWith('VM Modules')) return;
    (emit as (...a: unknown[]) => void).call(process, warning, ...rest);
  } as typeof process.emitWarning;
  try {
    const m = make();
    quiet = true;
    return m;
  } finally {
    process.emitWarning = emit;
  }
}

// ---- built-ins (per thread: they hold no run state) ----------------------------------------

const builtins = new Map<string, VmModule>();

function syntheticOf(value: unknown, identifier: string): VmModule {
  const obj = value !== null && (typeof value === 'object' || typeof value === 'function') ? (value as Record<string, unknown>) : null;
  const names = obj === null ? [] : Object.keys(obj).filter((k) => k !== 'default');
  return construct(() => new vmm.SyntheticModule!(['default', ...names], function (this: vm.SyntheticModule) {
    this.setExport('default', value);
    for (const k of names) this.setExport(k, obj![k]);
  }, { identifier }));
}

// ---- one incarnation's instances ------------------------------------------------------------

/**
 * One node incarnation's ES module instances: a file imported twice is one instance, as in
 * Node; the CommonJS instances are `cjs`'s (the same as `ctx.host.require` gives).
 */
export class EsmInstances {
  private readonly modules = new Map<string, VmModule>();
  /** Linking runs one graph at a time (a module being linked cannot be linked again). */
  private linking: Promise<unknown> = Promise.resolve();
  private readonly linker = (spec: string, referrer: VmModule): VmModule => this.moduleFor(resolveImport(dirname(fileURLToPath(referrer.identifier)), spec));
  private readonly dynamic = (spec: string, referrer: { identifier?: string }): Promise<VmModule> =>
    this.load(resolveImport(dirname(fileURLToPath(referrer.identifier ?? pathToFileURL(process.cwd()).href)), spec));

  constructor(private readonly cjs: ModuleInstances, private readonly builtin: BuiltinFor) {}

  /** `import(spec)` from directory `dir`: the namespace, once the module graph has run. */
  async import(dir: string, spec: string): Promise<object> {
    if (!esmAvailable()) throw flagError();
    const m = await this.load(resolveImport(dir, spec));
    return m.namespace;
  }

  private async load(target: string): Promise<VmModule> {
    const m = this.moduleFor(target);
    // Also when it is 'linking' as a dependency of another import: its turn comes after that one.
    if (m.status === 'unlinked' || m.status === 'linking') {
      const turn = this.linking.then(() => (m.status === 'unlinked' ? m.link(this.linker) : undefined));
      this.linking = turn.catch(() => undefined);
      await turn;
    }
    await m.evaluate();
    return m;
  }

  private moduleFor(target: string): VmModule {
    if (target.startsWith('node:')) return this.builtinModule(target.slice(5));
    let m = this.modules.get(target);
    if (m !== undefined) return m;
    if (target.endsWith('.node')) throw new UsageError(`host mode cannot load native addons: ${target}`);
    const url = pathToFileURL(target).href;
    if (target.endsWith('.json')) {
      const file = target;
      m = this.synthetic(['default'], url, (set) => set('default', JSON.parse(sourceOf(file).text)));
    } else if (isEsm(target)) {
      m = this.sourceModule(sourceOf(target));
    } else if (target.endsWith('.js') || target.endsWith('.cjs')) {
      const names = namesOfCjs(target);
      m = this.synthetic(['default', ...names], url, (set) => {
        const exports = this.cjs.require(dirname(target), target);
        set('default', exports);
        const obj = exports !== null && (typeof exports === 'object' || typeof exports === 'function') ? (exports as Record<string, unknown>) : {};
        for (const k of names) set(k, obj[k]);
      });
    } else {
      throw new UsageError(`host mode: cannot import ${target}: unknown file extension (ES modules are .mjs or .js, CommonJS .cjs or .js, and .json)`);
    }
    this.modules.set(target, m);
    return m;
  }

  private sourceModule(src: Source): VmModule {
    const file = fileURLToPath(src.url);
    const make = (): vm.SourceTextModule => new vmm.SourceTextModule!(src.text, {
      identifier: src.url,
      ...(src.cachedData !== undefined ? { cachedData: src.cachedData } : {}),
      initializeImportMeta: (meta) => {
        const m = meta as unknown as Record<string, unknown>;
        m['url'] = src.url;
        m['filename'] = file;
        m['dirname'] = dirname(file);
        m['resolve'] = (spec: string): string => {
          const r = resolveImport(dirname(file), spec);
          return r.startsWith('node:') ? r : pathToFileURL(r).href;
        };
      },
      importModuleDynamically: this.dynamic as unknown as vm.SourceTextModuleOptions['importModuleDynamically'],
    });
    const m = construct(make);
    // Made from the first, unevaluated instance (V8 refuses once it ran); later ones start from it.
    if (src.cachedData === undefined && src.cacheable) src.cachedData = (m as vm.SourceTextModule & { createCachedData(): Buffer }).createCachedData();
    return m;
  }

  private synthetic(names: string[], identifier: string, fill: (set: (name: string, v: unknown) => void) => void): VmModule {
    return construct(() => new vmm.SyntheticModule!(names, function (this: vm.SyntheticModule) {
      fill((name, v) => this.setExport(name, v));
    }, { identifier }));
  }

  private builtinModule(id: string): VmModule {
    let m = builtins.get(id);
    if (m === undefined) {
      m = syntheticOf(this.builtin(id), `node:${id}`);
      builtins.set(id, m);
    }
    return m;
  }
}
