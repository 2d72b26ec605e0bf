/**
 * The commands that talk to a running worker through its API: `status`, `open`, `close`,
 * `halt`, `resume`, `flatten`, `alerts`, `sweep`. Each prints a short human answer, or the
 * API's JSON with `--json`.
 *
 * Receives: parsed arguments. Sends: one HTTP request (two for `flatten`'s confirmation
 * path: none until confirmed). Touches: the API, stdout.
 */
import type { StoredAlert } from '../alerts/alert-sink.js';
import type { AccountView, CloseAnswer, PositionSummary } from '../service/guard-api.js';
import type { SweepReport } from '../sweeps/sweep.js';
import { describeFinding } from '../sweeps/reconcile.js';
import { callApi, type ApiTarget } from './api-client.js';
import { UsageError } from './args.js';
import { EXIT } from './exit-codes.js';
import { age, statusTable } from './status-table.js';

export interface ClientIo {
  readonly out: (text: string) => void;
  /** Asks a yes/no question on the terminal; `undefined` when there is no terminal to ask on. */
  readonly confirm: ((question: string) => Promise<boolean>) | undefined;
  readonly now: () => number;
}

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

function positiveNumber(name: string, text: string): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n <= 0)
    throw new UsageError(`${name} must be a positive number, got '${text}'`);
  return n;
}

export async function status(
  target: ApiTarget,
  opts: { json?: boolean; state?: string; account?: string },
  io: ClientIo,
): Promise<number> {
  const q = new URLSearchParams();
  if (opts.state !== undefined) q.set('state', opts.state);
  if (opts.account !== undefined) q.set('account', opts.account);
  const rows = (await callApi(target, 'GET', `/v1/positions${q.size > 0 ? `?${q}` : ''}`)) as PositionSummary[];
  io.out(opts.json === true ? json(rows) : statusTable(rows, io.now()));
  return EXIT.ok;
}

export async function open(
  target: ApiTarget,
  args: { account: string; symbol: string; side: string; amount: string; stop?: string; key?: string; json?: boolean },
  io: ClientIo,
): Promise<number> {
  if (args.side !== 'buy' && args.side !== 'sell') throw new UsageError(`SIDE must be buy or sell, got '${args.side}'`);
  const intent = {
    account: args.account,
    symbol: args.symbol,
    side: args.side,
    amount: positiveNumber('AMOUNT', args.amount),
    ...(args.stop === undefined ? {} : { stopLoss: positiveNumber('--stop', args.stop) }),
    ...(args.key === undefined ? {} : { idempotencyKey: args.key }),
  };
  const opened = (await callApi(target, 'POST', '/v1/positions', intent)) as { id: string; state: string };
  io.out(
    args.json === true
      ? json(opened)
      : `position ${opened.id} accepted (${opened.state}); watch it with: posguard status\n`,
  );
  return EXIT.ok;
}

export async function close(target: ApiTarget, id: string, opts: { json?: boolean }, io: ClientIo): Promise<number> {
  const answer = (await callApi(target, 'POST', `/v1/positions/${encodeURIComponent(id)}/close`)) as CloseAnswer;
  const text =
    answer.result === 'requested'
      ? `close requested for position ${answer.id} (now ${answer.state}); it is sized and sided from the live position, reduce-only`
      : answer.result === 'alreadyClosing'
        ? `position ${answer.id} is already closing (${answer.state})`
        : `position ${answer.id} is already ${answer.state}: nothing to close`;
  io.out(opts.json === true ? json(answer) : `${text}\n`);
  return EXIT.ok;
}

export async function haltOrResume(
  target: ApiTarget,
  verb: 'halt' | 'resume',
  account: string,
  opts: { reason?: string; json?: boolean },
  io: ClientIo,
): Promise<number> {
  const view = (await callApi(
    target,
    'POST',
    `/v1/accounts/${encodeURIComponent(account)}/${verb}`,
    opts.reason === undefined ? {} : { reason: opts.reason },
  )) as AccountView;
  io.out(
    opts.json === true
      ? json(view)
      : verb === 'halt'
        ? `account ${view.id} halted: new intents are refused; positions in flight carry on (resume with: posguard resume ${view.id})\n`
        : `account ${view.id} resumed: new intents are accepted\n`,
  );
  return EXIT.ok;
}

export async function flatten(
  target: ApiTarget,
  account: string,
  opts: { yes?: boolean },
  io: ClientIo,
): Promise<number> {
  if (opts.yes !== true) {
    if (io.confirm === undefined)
      throw new UsageError(
        'flatten closes every position of the account: confirm with --yes when there is no terminal to ask on',
      );
    if (
      !(await io.confirm(`Flatten account ${account}: halt it and close every position posguard holds on it? [y/N] `))
    ) {
      io.out('not flattened\n');
      return EXIT.failed;
    }
  }
  const started = (await callApi(target, 'POST', `/v1/accounts/${encodeURIComponent(account)}/flatten`)) as {
    positions: string[];
  };
  const n = started.positions.length;
  io.out(
    `account ${account} halted; ${n} position${n === 1 ? '' : 's'} of posguard's closing${n === 0 ? '' : `: ${started.positions.join(', ')}`}\n` +
      'the audit log (GET /v1/audit) says when flat is verified; `posguard resume` lifts the halt\n',
  );
  return EXIT.ok;
}

export async function alerts(target: ApiTarget, opts: { json?: boolean }, io: ClientIo): Promise<number> {
  const list = (await callApi(target, 'GET', '/v1/alerts')) as (StoredAlert & { acknowledged?: { by: string } })[];
  if (opts.json === true) {
    io.out(json(list));
    return EXIT.ok;
  }
  if (list.length === 0) io.out('no alerts\n');
  for (const a of list) {
    const ack = a.acknowledged === undefined ? '' : ` (acknowledged by ${a.acknowledged.by})`;
    io.out(
      `${new Date(a.at).toISOString()}  ${a.kind}  ${a.account}${a.symbol === undefined ? '' : ` ${a.symbol}`}${a.count > 1 ? `  ×${a.count}` : ''}${ack}\n    ${a.message}\n    id ${a.id}\n`,
    );
  }
  return EXIT.ok;
}

export async function sweep(
  target: ApiTarget,
  kind: string,
  opts: { account?: string; json?: boolean },
  io: ClientIo,
): Promise<number> {
  if (kind !== 'orphans' && kind !== 'reconcile')
    throw new UsageError(`sweep what? 'orphans' or 'reconcile', got '${kind}'`);
  const reports = (await callApi(
    target,
    'POST',
    `/v1/sweeps/${kind}`,
    opts.account === undefined ? {} : { account: opts.account },
  )) as SweepReport[];
  if (opts.json === true) {
    io.out(json(reports));
    return reports.some((r) => r.error !== undefined) ? EXIT.failed : EXIT.ok;
  }
  for (const r of reports) {
    const took = age(r.finishedAt - r.startedAt);
    if (r.error !== undefined) io.out(`${r.kind} sweep of ${r.account} failed (${took}): ${r.error}\n`);
    else if (r.findings.length === 0) io.out(`${r.kind} sweep of ${r.account}: clean (${took})\n`);
    else {
      io.out(
        `${r.kind} sweep of ${r.account}: ${r.findings.length} finding${r.findings.length === 1 ? '' : 's'} (${took})\n`,
      );
      r.findings.forEach((f, i) => io.out(`  - ${describeFinding(f)} → ${r.actions[i] ?? 'noted'}\n`));
    }
  }
  if (reports.length === 0) io.out('no account is driven by this worker: nothing was swept\n');
  return reports.some((r) => r.error !== undefined) ? EXIT.failed : EXIT.ok;
}
