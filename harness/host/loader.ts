/**
 * Host mode's private CommonJS loader. Each node incarnation gets fresh module instances (a
 * fresh `module.exports` for every file of the library's dependency subtree) while each file is
 * read, resolved and compiled once per thread: `vm.compileFunction` gives the module wrapper,
 * and an instance is one more call of it. Node's own `require.cache` is never touched, and no
 * copy outlives the instances that hold it (no query-string cache busting, which leaks them).
 */
import { readFileSync, existsSync } from 'node:fs';
import { createRequire, isBuiltin } from 'node:module';
import { dirname, join } from 'node:path';
import { compileFunction } from 'node:vm';
import { UsageError } from '../core/errors.js';

type Wrapper = (this: unknown, exports: unknown, require: HostRequire, module: HostModule, filename: string, dirname: string) => void;

export interface HostRequire {
  (id: string): unknown;
  resolve(id: string): string;
  cache: Record<string, HostModule>;
  main: undefined;
}

export interface HostModule {
  exports: unknown;
  readonly id: string;
  readonly filename: string;
  readonly path: string;
  loaded: boolean;
  readonly children: HostModule[];
  readonly parent: HostModule | null;
  require: HostRequire;
}

/** Built-in modules hosted code gets instead of the real ones (stubs, a virtual `timers`). */
export type BuiltinFor = (id: string) => unknown;

/** `import(spec)` from hosted code in directory `dir`: the incarnation's ES module loader (esm.ts). */
export type DynamicImport = (dir: string, spec: string) => Promise<object>;

// Per thread: what never changes between instances.
const compiled = new Map<string, Wrapper>();
/** Source of files with a dynamic `import(`: compiled per instance (see wrapperOf). */
const importing = new Map<string, string>();
const jsonText = new Map<string, string>();
const resolved = new Map<string, string>();
const resolvers = new Map<string, NodeJS.Require>();
const moduleType = new Map<string, boolean>();

/** Absolute path of `id` required from `dir`, cached per thread (Node's resolve stats files). */
export function resolveFrom(dir: string, id: string): string {
  const k = `${dir}\0${id}`;
  let f = resolved.get(k);
  if (f !== undefined) return f;
  let r = resolvers.get(dir);
  if (r === undefined) {
    r = createRequire(join(dir, '__interleave_host__.js'));
    resolvers.set(dir, r);
  }
  try {
    f = r.resolve(id);
  } catch (e) {
    throw new UsageError(`host mode: cannot find module '${id}' from ${dir}: ${(e as Error).message.split('\n')[0]}`);
  }
  resolved.set(k, f);
  return f;
}

/** True for an ES module file (.mjs, or .js under a "type": "module" package). */
export function isEsm(file: string): boolean {
  if (file.endsWith('.mjs')) return true;
  if (!file.endsWith('.js')) return false;
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    const known = moduleType.get(dir);
    if (known !== undefined) return known;
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      let esm = false;
      try {
        esm = (JSON.parse(readFileSync(pkg, 'utf8')) as { type?: unknown }).type === 'module';
      } catch {
        esm = false;
      }
      moduleType.set(dir, esm);
      return esm;
    }
    if (dirname(dir) === dir) return false;
  }
}

function esmError(file: string): UsageError {
  return new UsageError(`host mode: ctx.host.require cannot load ${file}: it is an ES module (load it with ctx.host.import, which resolves a promise of its namespace)`);
}

/**
 * The module wrapper of `file`, compiled once per thread; for a file with a dynamic `import(`,
 * once per instance instead, since its import callback must reach the instance's own ES module
 * loader (`importer`) and a compiled function has one callback for life.
 */
function wrapperOf(file: string, importer: DynamicImport | null): Wrapper {
  let fn = compiled.get(file);
  if (fn !== undefined) return fn;
  let src = importing.get(file);
  if (src === undefined) {
    if (isEsm(file)) throw esmError(file);
    src = readFileSync(file, 'utf8');
    if (src.startsWith('#!')) src = `//${src.slice(2)}`;
  }
  const dynamic = src.includes('import(');
  const dir = dirname(file);
  try {
    fn = compileFunction(src, ['exports', 'require', 'module', '__filename', '__dirname'], {
      filename: file,
      ...(dynamic ? { importModuleDynamically: ((spec: string) => importOf(importer, file)(dir, spec)) as never } : {}),
    }) as unknown as Wrapper;
  } catch (e) {
    if (e instanceof SyntaxError && /import statement|export|import\.meta/.test(e.message)) throw esmError(file);
    throw e;
  }
  if (dynamic) importing.set(file, src);
  else compiled.set(file, fn);
  return fn;
}

function importOf(importer: DynamicImport | null, file: string): DynamicImport {
  if (importer !== null) return importer;
  return () => Promise.reject(new UsageError(`host mode: import() in ${file} has no ES module loader to go through`));
}

/**
 * One set of module instances: a node incarnation's. `require` from it resolves like Node's;
 * a file required twice is one instance, as in Node; built-ins go through `builtin`.
 */
export class ModuleInstances {
  private readonly cache = new Map<string, HostModule>();
  /** Where `import()` in these CommonJS instances goes: set by the incarnation (runtime.ts). */
  importer: DynamicImport | null = null;

  constructor(private readonly builtin: BuiltinFor) {}

  /** `require(id)` from directory `dir` (the adapter's: the target file's directory). */
  require(dir: string, id: string, parent: HostModule | null = null): unknown {
    if (typeof id !== 'string' || id.length === 0) throw new TypeError(`host require: id must be a non-empty string, got ${String(id)}`);
    if (isBuiltin(id)) return this.builtin(id.startsWith('node:') ? id.slice(5) : id);
    const file = resolveFrom(dir, id);
    const hit = this.cache.get(file);
    if (hit !== undefined) return hit.exports;
    const module = this.makeModule(file, parent);
    this.cache.set(file, module);
    parent?.children.push(module);
    try {
      if (file.endsWith('.json')) {
        let text = jsonText.get(file);
        if (text === undefined) {
          text = readFileSync(file, 'utf8');
          jsonText.set(file, text);
        }
        module.exports = JSON.parse(text);
      } else if (file.endsWith('.node')) {
        throw new UsageError(`host mode cannot load native addons: ${file}`);
      } else {
        wrapperOf(file, this.importer).call(module.exports, module.exports, module.require, module, file, module.path);
      }
    } catch (e) {
      this.cache.delete(file);
      throw e;
    }
    module.loaded = true;
    return module.exports;
  }

  private makeModule(file: string, parent: HostModule | null): HostModule {
    const dir = dirname(file);
    const cacheView: Record<string, HostModule> = Object.create(null) as Record<string, HostModule>;
    const module: HostModule = {
      exports: {}, id: file, filename: file, path: dir, loaded: false, children: [], parent,
      require: undefined as unknown as HostRequire,
    };
    const req = ((id: string) => this.require(dir, id, module)) as HostRequire;
    req.resolve = (id: string) => (isBuiltin(id) ? id : resolveFrom(dir, id));
    req.cache = cacheView;
    req.main = undefined;
    module.require = req;
    return module;
  }
}
