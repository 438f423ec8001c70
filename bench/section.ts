/**
 * What the bench driver runs: a list of sections, each measuring one thing and returning its
 * table lines and its aims. A new benchmark (the Raft one) is one more module exporting a
 * `Section` named `section`; bench.ts picks up bench/raft.ts on its own when it exists.
 */
export interface Aim {
  /** What is aimed at, e.g. "pc64 decisions/s ≥ floor / 1.5". */
  label: string;
  met: boolean;
  /** The measured figure against the target, for the printout. */
  detail: string;
}

export interface SectionOutput {
  lines: string[];
  aims: Aim[];
}

export interface Section {
  title: string;
  run(): Promise<SectionOutput>;
}
