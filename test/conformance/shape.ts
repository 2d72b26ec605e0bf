/**
 * Compares the shape of a simulator reply with a recorded-shape fixture: the same field names,
 * the same JSON types, and the same empty-value convention (`''` where the venue writes `''`).
 * Numbers the recorder stored as strings (a fixture's `recorderStrings`) may be either; fields
 * one side has for a stated reason are listed with it. Returns the differences, worded.
 */

/** Fields one side has that the other lacks, each with the reason. */
export type Allowed = Readonly<Record<string, string>>;

export interface ShapeRules {
  /** Fields whose type the recorder changed (numbers stored as strings). */
  readonly recorderStrings?: readonly string[];
  /** Fields the simulator sends that the fixture lacks, with the reason. */
  readonly simOnly?: Allowed;
  /** Fields the fixture has that the simulator does not send, with the reason. */
  readonly fixtureOnly?: Allowed;
}

const kind = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);
const numeric = (v: unknown): boolean => typeof v === 'number' || (typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v));

/** The differences between `fixture` and `sim`, at `path`. */
export function shapeDifferences(fixture: unknown, sim: unknown, rules: ShapeRules = {}, path = ''): string[] {
  const out: string[] = [];
  const key = path.split('.').at(-1) ?? '';
  if (rules.recorderStrings?.includes(key) && numeric(fixture) && numeric(sim)) return out;
  if (kind(fixture) !== kind(sim)) return [`${path || '(reply)'}: ${kind(sim)} where the venue sends ${kind(fixture)}`];
  if ((fixture === '') !== (sim === ''))
    return [`${path}: ${JSON.stringify(sim)} where the venue sends ${JSON.stringify(fixture)}`];
  if (Array.isArray(fixture) && Array.isArray(sim)) {
    if (fixture.length > 0 && sim.length > 0) out.push(...shapeDifferences(fixture[0], sim[0], rules, `${path}[0]`));
    return out;
  }
  if (kind(fixture) === 'object') {
    const f = fixture as Record<string, unknown>;
    const s = sim as Record<string, unknown>;
    for (const k of Object.keys(f)) {
      if (!(k in s)) {
        if (rules.fixtureOnly?.[k] === undefined) out.push(`${path}.${k}: missing (the venue sends it)`);
        continue;
      }
      // An object of per-currency values (Bybit's cumFeeDetail) is compared as an object, not key by key.
      if (k === 'cumFeeDetail') continue;
      out.push(...shapeDifferences(f[k], s[k], rules, path === '' ? k : `${path}.${k}`));
    }
    for (const k of Object.keys(s))
      if (!(k in f) && rules.simOnly?.[k] === undefined) out.push(`${path}.${k}: sent, but the venue does not send it`);
  }
  return out;
}
