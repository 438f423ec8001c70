/**
 * SIGINT and SIGTERM mean the same to every command: stop starting seeds, stop the workers,
 * keep what ran, write the report with `"interrupted": true`, exit 130 or 143. A second signal
 * leaves at once (after `onForce`, which flushes the journal: nothing that finished is lost).
 */
export type StopSignal = 'SIGINT' | 'SIGTERM';

export const SIGNAL_EXIT: Readonly<Record<StopSignal, number>> = { SIGINT: 130, SIGTERM: 143 };

/**
 * `run` and `campaign` hold SIGINT and SIGTERM from the process's first millisecond (main.ts),
 * before their report directory exists: a signal then is kept, not fatal, and the command's
 * Interrupt takes it over once its journal is open, so it still ends with an interrupted summary
 * and a resumable journal. A second signal while held leaves at once: nothing has run yet.
 */
let held: StopSignal | null = null;
let holders: [StopSignal, () => void][] = [];

export function holdSignals(): void {
  if (holders.length > 0) return;
  holders = (['SIGINT', 'SIGTERM'] as const).map((sig) => [sig, () => {
    if (held !== null) process.exit(SIGNAL_EXIT[held]);
    held = sig;
  }]);
  for (const [sig, h] of holders) process.on(sig, h);
}

/** The signal held since start-up (null: none); signals are no longer held after this. */
export function takeHeldSignal(): StopSignal | null {
  for (const [sig, h] of holders) process.off(sig, h);
  holders = [];
  const sig = held;
  held = null;
  return sig;
}

export class Interrupt {
  signal: StopSignal | null = null;
  private readonly handlers: [StopSignal, () => void][];
  private wake: (sig: StopSignal) => void = () => undefined;
  /** Settles at the first signal: start-up work (loading a target) is raced against it. */
  readonly whenStopped = new Promise<StopSignal>((res) => (this.wake = res));

  constructor(private readonly onForce: () => void = () => undefined) {
    this.handlers = (['SIGINT', 'SIGTERM'] as const).map((sig) => [sig, () => this.on(sig)]);
    for (const [sig, h] of this.handlers) process.on(sig, h);
    const early = takeHeldSignal();
    if (early !== null) this.on(early);
  }

  /** `work`'s value, or null if a signal comes first (the work is left to be dropped at exit). */
  async race<T>(work: Promise<T>): Promise<T | null> {
    if (this.signal !== null) return null;
    return Promise.race([work, this.whenStopped.then(() => null)]);
  }

  get stopped(): boolean {
    return this.signal !== null;
  }

  /** The exit code of the interruption, or null when none came. */
  code(): number | null {
    return this.signal === null ? null : SIGNAL_EXIT[this.signal];
  }

  dispose(): void {
    for (const [sig, h] of this.handlers) process.off(sig, h);
  }

  private on(sig: StopSignal): void {
    if (this.signal !== null) {
      try {
        this.onForce();
      } finally {
        process.exit(SIGNAL_EXIT[this.signal]);
      }
    }
    this.signal = sig;
    this.wake(sig);
    process.stderr.write(`\ninterleave: ${sig === 'SIGINT' ? 'interrupted' : 'terminated'}: stopping, then writing the report of the runs made so far (${sig === 'SIGINT' ? 'Ctrl-C' : 'the signal'} again to quit at once)\n`);
  }
}
