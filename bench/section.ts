/**
 * What a benchmark section is: a title and a `run` that prints its figures through the
 * context. `bench/run.ts` runs the sections in order; later issues add sections by adding
 * a module and one line to its list.
 */

export interface BenchContext {
  /** Prints one line (or an empty line) to the report. */
  readonly out: (line?: string) => void;
  /** `global.gc` when node runs with `--expose-gc`, else `undefined` (heap figures are then not printed). */
  readonly gc: (() => void) | undefined;
}

export interface BenchSection {
  readonly title: string;
  run(ctx: BenchContext): Promise<void>;
}
