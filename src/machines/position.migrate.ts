/**
 * Persisted position snapshots across versions of posguard: a snapshot written by an older
 * version is migrated to the context this code reads; one it cannot read (written by a newer
 * version, a state this machine does not have, a context missing what it needs) is refused
 * with `SnapshotUnreadable`, naming why — never restarted from the intent, which would forget
 * a close or an order already sent. Pure.
 *
 * Versions: 1 (no version): one `stop`, `closeRequested` as a bare reason. 2 (`version: 2` in
 * the context): every stop kept (`stops`), close requests with ids, the orphan's origin,
 * protection alerts, the post-gap re-check and the over-fill's first sighting. 3 (the
 * snapshot's `contextVersion`, beside its context): the fields set at birth (`id`, `intent`,
 * `market`, `hedgeMode`, `settings`) nested as `spec`, keys whose value is `undefined` left out.
 * 4: the stop budget in the settings (`maxStops`; 5, the fixed budget before it was
 * configurable).
 *
 * @example
 * const snapshot = migrateSnapshot(JSON.parse(stored)); // throws SnapshotUnreadable
 */
import { PosguardError } from '../domain/errors.js';
import { CONTEXT_VERSION, type CloseReason } from './position.context.js';
import { POSITION_STATES } from './position.machine.js';

/** A stored snapshot posguard cannot read: the position is quarantined and a human alerted. */
export class SnapshotUnreadable extends PosguardError {
  readonly code = 'SNAPSHOT_UNREADABLE';
  constructor(readonly reason: string) {
    super(`the stored snapshot cannot be read: ${reason}`);
  }
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The top-level state names a persisted snapshot may be in (the machine's). */
const STATES: ReadonlySet<string> = new Set(POSITION_STATES);

function topState(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (isObject(value)) return Object.keys(value)[0];
  return undefined;
}

/** Version 1 → 2. */
function fromV1(ctx: Json, state: string): Json {
  const { stop, closeRequested, ...rest } = ctx;
  const reason = typeof closeRequested === 'string' ? (closeRequested as CloseReason) : undefined;
  const closes = Array.isArray(ctx.closes) ? ctx.closes : [];
  const seenAt = typeof ctx.seenAt === 'number' ? ctx.seenAt : 0;
  const out: Json = { ...rest, version: 2, stops: isObject(stop) ? [stop] : [] };
  if (reason !== undefined)
    out.closeRequest = {
      reason,
      id: undefined,
      at: seenAt,
      firstClose: 0,
      status: state === 'orphanAlert' ? 'gaveUp' : 'active',
    };
  // An orphan from a close leaves only by a flat proof, a close or an adopt: the safe reading of an old one.
  if (state === 'orphanAlert') out.orphanFrom = closes.length > 0 || reason !== undefined ? 'close' : 'entry';
  return out;
}

/** Version 2 → 3. */
function fromV2(ctx: Json): Json {
  const { id, intent, market, hedgeMode, settings, version: _version, ...rest } = ctx;
  const out: Json = { spec: { id, intent, market, hedgeMode, settings } };
  for (const [k, v] of Object.entries(rest)) if (v !== undefined) out[k] = v;
  return out;
}

/** Version 3 → 4: the budget of stops a position was created with (fixed at 5 until then). */
function fromV3(ctx: Json): Json {
  const spec = isObject(ctx.spec) ? ctx.spec : {};
  const settings = isObject(spec.settings) ? spec.settings : {};
  return { ...ctx, spec: { ...spec, settings: { maxStops: 5, ...settings } } };
}

const REQUIRED = ['spec', 'entry', 'stops', 'closes', 'excess', 'seenAt', 'deadline', 'armedAt'];

/** A persisted snapshot as it is stored: with the version of its context beside it. */
export function versioned<S extends object>(persisted: S): S & { readonly contextVersion: number } {
  return { ...persisted, contextVersion: CONTEXT_VERSION };
}

/**
 * The snapshot, its context migrated to `CONTEXT_VERSION` (and its `contextVersion` taken
 * off); throws `SnapshotUnreadable` when it cannot be read.
 */
export function migrateSnapshot(raw: unknown): Json {
  if (!isObject(raw)) throw new SnapshotUnreadable('it is not an object');
  const state = topState(raw.value);
  if (state === undefined || !STATES.has(state))
    throw new SnapshotUnreadable(`its state ${JSON.stringify(raw.value)} is not one of the position machine's`);
  if (!isObject(raw.context)) throw new SnapshotUnreadable('it has no context');
  let ctx = raw.context;
  // Before format 3 the version was inside the context, and format 1 had none.
  const version = raw.contextVersion ?? ctx.version ?? 1;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1)
    throw new SnapshotUnreadable(`its version ${JSON.stringify(version)} is not a version`);
  if (version > CONTEXT_VERSION) {
    throw new SnapshotUnreadable(
      `it was written by a newer posguard (format ${version}, this one reads up to ${CONTEXT_VERSION}); run that version`,
    );
  }
  if (version === 1) ctx = fromV1(ctx, state);
  if (version <= 2) ctx = fromV2(ctx);
  if (version <= 3) ctx = fromV3(ctx);
  const missing = REQUIRED.filter((k) => !(k in ctx));
  if (missing.length > 0) throw new SnapshotUnreadable(`its context lacks ${missing.join(', ')}`);
  const { contextVersion: _v, ...rest } = raw;
  return { ...rest, context: ctx };
}
