/** What a `--real` run reports (harness/real/child.ts → index.ts). */
export interface RealViolation {
  kind: string;
  message: string;
  /** Real ms since the run started. */
  atMs: number;
}

export interface RealRunResult {
  /** `quiescent`: Node's loop had nothing left; `duration`: cut off by --duration. */
  end: 'quiescent' | 'duration' | 'violation';
  violations: RealViolation[];
  wallMs: number;
  /** ctx.log lines (at most 200). */
  logs: string[];
}

export type RealChildMessage =
  | { type: 'result'; result: RealRunResult }
  | { type: 'usage'; message: string }
  | { type: 'error'; message: string };
