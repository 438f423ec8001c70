/**
 * Where a schedule's target file is, wherever the schedule was moved. A schedule names its target
 * file twice: relative to the schedule's own folder (`target`: a corpus and its targets moved
 * together keep working) and relative to the project root the target lives under (`targetFromRoot`:
 * the nearest folder with a package.json, so a `seeds/` folder copied into another clone of the
 * project, or to another place in it, still finds `targets/x.ts`). A user can add folders to look
 * in (`--target-path`); a target found nowhere is bad input naming every place looked.
 */
import { existsSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { UsageError } from '../core/errors.js';

/** The nearest folder at or above `from` holding a package.json, or null. */
export function projectRoot(from: string): string | null {
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return null;
  }
}

/** `abs` relative to its project root, with `/` separators; undefined outside any project. */
export function fromRoot(abs: string): string | undefined {
  const root = projectRoot(dirname(abs));
  if (root === null) return undefined;
  const rel = relative(root, abs);
  return rel.startsWith('..') || isAbsolute(rel) ? undefined : rel.split(sep).join('/');
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

export interface TargetClues {
  /** The schedule file (its folder anchors `target`, its project root anchors `targetFromRoot`). */
  scheduleFile: string;
  /** The target as written: relative to the schedule's folder, or absolute (older files). */
  target: string;
  targetFromRoot?: string;
  /** `--target-path` folders: a project root or a folder holding the target. */
  searchPaths: readonly string[];
}

/** The target file's absolute path: the first of the places below that holds it. */
export function locateTarget(c: TargetClues): string {
  const tried: string[] = [];
  const add = (p: string): void => {
    const abs = resolve(p);
    if (!tried.includes(abs)) tried.push(abs);
  };
  add(isAbsolute(c.target) ? c.target : resolve(dirname(resolve(c.scheduleFile)), c.target));
  const rel = c.targetFromRoot;
  if (rel !== undefined) {
    for (const from of [dirname(resolve(c.scheduleFile)), process.cwd()]) {
      const root = projectRoot(from);
      if (root !== null) add(join(root, rel));
    }
  }
  for (const dir of c.searchPaths) {
    if (rel !== undefined) add(join(dir, rel));
    add(join(dir, basename(c.target)));
  }
  const found = tried.find(isFile);
  if (found !== undefined) return found;
  throw new UsageError(`${c.scheduleFile}: target file ${c.targetFromRoot ?? c.target} not found (looked at ${tried.join(', ')}): ` +
    'point to it with --target-path <dir>, the project root it lives under or the folder that holds it');
}
