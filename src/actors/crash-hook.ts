/**
 * A test hook for crash recovery (issue: persistence): `POSGUARD_CRASH_AT` names a point at
 * which the process kills itself with SIGKILL, as `kill -9` would, so a test can crash a
 * worker exactly there and check what the next worker does. Points:
 * - `<phase>:before-send` / `<phase>:after-send`, where phase is `pending` (the entry),
 *   `protecting` (the stop), `closing` or `rollingBack` (a close), `open` (an over-fill
 *   reduction): just before the order leaves, or just after its reply, before any write;
 * - a state name (`verifying`, `protecting`, `verifyingClosed`, …): when a position enters it
 *   as the registry sees it — states passed through within one step (say, `verifying` when
 *   the fill is already known) are not seen, so a test makes the state last (late evidence).
 * Unset (always, outside tests), it does nothing.
 */
const target = process.env.POSGUARD_CRASH_AT;

export function crashAt(point: string): void {
  if (target !== undefined && target === point) process.kill(process.pid, 'SIGKILL');
}
