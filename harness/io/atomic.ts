import { closeSync, copyFileSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * Every file the tool writes goes through here: a temporary file beside the target, written,
 * fsynced, then renamed over it. A reader (or a run killed mid-write) sees the old file or the
 * new one, never half of either. The rename is atomic within one directory, which is why the
 * temporary file lives in the same one.
 */
let counter = 0;

function tempFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${++counter}`);
}

export function writeFileAtomic(path: string, data: string): void {
  const tmp = tempFor(path);
  let fd: number | null = null;
  try {
    fd = openSync(tmp, 'w');
    writeSync(fd, data);
    fsyncSync(fd);
    closeSync(fd);
    fd = null;
    renameSync(tmp, path);
  } catch (e) {
    if (fd !== null) closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
  syncDir(dirname(path));
}

export function copyFileAtomic(from: string, to: string): void {
  const tmp = tempFor(to);
  try {
    copyFileSync(from, tmp);
    const fd = openSync(tmp, 'r+');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, to);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
  syncDir(dirname(to));
}

/** The rename itself is durable once the directory is synced; some file systems refuse, and
 * then the rename is still atomic, only not yet durable. */
function syncDir(dir: string): void {
  let fd: number | null = null;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // best effort (see above)
  } finally {
    if (fd !== null) closeSync(fd);
  }
}
