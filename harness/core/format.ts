/** A short, stable rendering of a value for traces and reports. */
export function renderValue(v: unknown): string {
  if (v === undefined) return '';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean' || v === null) return String(v);
  try {
    const s = JSON.stringify(v);
    return s.length > 80 ? `${s.slice(0, 77)}...` : s;
  } catch {
    // A cyclic object (a subscription, a handle): its class says what it is.
    const name = (v as { constructor?: { name?: string } }).constructor?.name;
    return name !== undefined && name !== '' && name !== 'Object' ? name : Object.prototype.toString.call(v);
  }
}

/** Virtual milliseconds as a reader wants them: to the microsecond, without float noise (1362.975, not 1362.9750000000001). */
export function formatMs(ms: number): string {
  return String(Number(ms.toFixed(3)));
}

/**
 * Stack frames and call sites with the working directory cut off (`node_modules/levelup/…`,
 * `dist/targets/…`): shorter to read, and the same report, fingerprint and corpus message
 * wherever the repository is cloned.
 */
export function relativeToCwd(text: string): string {
  const cwd = process.cwd();
  if (cwd.length <= 1) return text;
  const dir = cwd.endsWith('/') || cwd.endsWith('\\') ? cwd : `${cwd}${cwd.includes('\\') ? '\\' : '/'}`;
  return text.split(`file://${dir}`).join('').split(dir).join('');
}
