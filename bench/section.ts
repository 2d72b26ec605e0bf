/**
 * What a benchmark section is: a title and a `run` that prints its figures through the
 * context, and records its headline figures (`record`) for the report's summary table and
 * `bench/results.json`. `bench/run.ts` runs the sections in order; later issues add sections
 * by adding a module and one line to its list.
 */

/** One headline figure: posguard's, the reference measured in the same run, their ratio and the goal. */
export interface BenchFigure {
  readonly figure: string;
  readonly unit: string;
  readonly posguard: number;
  /** What posguard is held against, measured in the same run (absent where the figure is absolute). */
  readonly reference?: { readonly label: string; readonly value: number };
  /** posguard ÷ reference, or the ratio the goal is stated in. */
  readonly ratio?: number;
  /** The goal an issue set, or absent where the figure is reported without one. */
  readonly goal?: string;
  readonly met?: boolean;
}

export interface BenchContext {
  /** Prints one line (or an empty line) to the report. */
  readonly out: (line?: string) => void;
  /** `global.gc` when node runs with `--expose-gc`, else `undefined` (heap figures are then not printed). */
  readonly gc: (() => void) | undefined;
  /** Records a headline figure for the summary table and `bench/results.json`. */
  readonly record: (figure: BenchFigure) => void;
}

export interface BenchSection {
  readonly title: string;
  run(ctx: BenchContext): Promise<void>;
}
