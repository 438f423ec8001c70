import { accessSync, constants, existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { UsageError } from '../core/errors.js';

/** Fails before any run starts, so a long campaign never ends unable to save what it found. */
export function ensureWritableDir(dir: string): void {
  try {
    makeDirs(dir);
    accessSync(dir, constants.W_OK);
  } catch (e) {
    throw new UsageError(`report dir ${dir} is not writable: ${(e as Error).message}`);
  }
}

/**
 * mkdir -p, one level at a time: Node 20's recursive mkdirSync spins forever on some paths
 * (under /proc, for one), and a CLI must fail with a message, not hang.
 */
export function makeDirs(dir: string): void {
  const abs = resolve(dir);
  if (existsSync(abs)) {
    if (!statSync(abs).isDirectory()) throw new Error(`${abs} exists and is not a directory`);
    return;
  }
  const parent = dirname(abs);
  if (parent !== abs) makeDirs(parent);
  mkdirSync(abs);
}

/** A directory name for one invocation that never overwrites an earlier one. */
export function newRunDir(base: string, name: string, stamp: string): string {
  const clean = name.replace(/[^A-Za-z0-9_.-]+/g, '_').slice(0, 60);
  let dir = join(base, `${stamp}-${clean}`);
  for (let i = 2; existsSync(dir); i++) dir = join(base, `${stamp}-${clean}-${i}`);
  makeDirs(dir);
  return dir;
}
