/**
 * SIGINT and SIGTERM mean the same to every command: stop starting seeds, stop the workers,
 * keep what ran, write the report with `"interrupted": true`, exit 130 or 143. A second signal
 * leaves at once (after `onForce`, which flushes the journal: nothing that finished is lost).
 */
export type StopSignal = 'SIGINT' | 'SIGTERM';

export const SIGNAL_EXIT: Readonly<Record<StopSignal, number>> = { SIGINT: 130, SIGTERM: 143 };

export class Interrupt {
  signal: StopSignal | null = null;
  private readonly handlers: [StopSignal, () => void][];

  constructor(private readonly onForce: () => void = () => undefined) {
    this.handlers = (['SIGINT', 'SIGTERM'] as const).map((sig) => [sig, () => this.on(sig)]);
    for (const [sig, h] of this.handlers) process.on(sig, h);
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
    process.stderr.write(`\ninterleave: ${sig === 'SIGINT' ? 'interrupted' : 'terminated'}: stopping, then writing the report of the runs made so far (${sig === 'SIGINT' ? 'Ctrl-C' : 'the signal'} again to quit at once)\n`);
  }
}
