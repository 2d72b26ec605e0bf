/**
 * What the page reads from the API, as the API documents it (README, The HTTP API). Kept
 * here rather than imported from `src/`: the page is compiled for the browser on its own.
 */
export interface Protection {
  readonly kind: 'notRequested' | 'notNeeded' | 'confirmed' | 'triggered' | 'unconfirmed' | 'lost' | 'refused';
  readonly stop?: string;
  readonly at?: number;
  readonly since?: number;
  readonly source?: string;
  readonly reason?: string;
}

export interface Position {
  readonly id: string;
  readonly account: string;
  readonly symbol: string;
  readonly side: string;
  readonly amount: number;
  readonly state: string;
  readonly size: number;
  readonly reason?: string | undefined;
  readonly protection: Protection;
  readonly since: number;
  readonly updatedAt: number;
  readonly entryPrice?: number;
}

export interface HistoryItem {
  readonly at: number;
  readonly state: string;
  readonly event?: string;
  readonly payload?: unknown;
}

export interface OrderView {
  readonly role: string;
  readonly clientOrderId: string;
  readonly venueOrderId?: string;
  readonly side: string;
  readonly amount: number;
  readonly send: string;
  readonly sentAt?: number;
  readonly status?: string;
  readonly filled: number;
  readonly rejectReason?: string;
}

export interface OperatorAction {
  readonly id: string;
  readonly at: number;
  readonly by: string;
  readonly what: string;
  readonly account?: string;
  readonly symbol?: string;
  readonly positionId?: string;
  readonly alertId?: string;
  readonly why?: string;
  readonly result: string;
}

export interface PositionDetail extends Position {
  readonly historySource: 'redis' | 'memory';
  readonly history: readonly HistoryItem[];
  readonly orders?: readonly OrderView[];
  readonly actions: readonly OperatorAction[];
}

export interface Alert {
  readonly id: string;
  readonly kind: string;
  readonly account: string;
  readonly symbol?: string;
  readonly positionId?: string;
  readonly message: string;
  readonly at: number;
  readonly count?: number;
  readonly acknowledged?: { readonly at: number; readonly by: string };
}

export interface Finding {
  readonly kind: string;
  readonly symbol: string;
  readonly positionId?: string;
  readonly side?: string;
  readonly size?: number;
  readonly [key: string]: unknown;
}

export interface SweepReport {
  readonly id: string;
  readonly account: string;
  readonly kind: 'orphans' | 'reconcile';
  readonly worker: string;
  readonly startedAt: number;
  readonly finishedAt: number;
  readonly findings: readonly Finding[];
  readonly actions: readonly string[];
  readonly error?: string;
}

export interface Account {
  readonly id: string;
  readonly exchange: string;
  readonly owned: boolean;
  readonly trading: 'active' | 'halted';
  readonly haltedBecause?: string;
  readonly feed: 'live' | 'down' | 'unknown';
  readonly feedSince?: number;
  readonly mode?: string;
  readonly holder?: string;
}

export interface OrphanRow {
  readonly account: string;
  readonly symbol: string;
  readonly side: string;
  readonly size: number;
  readonly foundAt: number;
  readonly sweepId: string;
}

export interface Session {
  readonly name: string;
  readonly scopes: readonly string[];
  readonly authRequired: boolean;
}

export interface LaidOutGraph {
  readonly width: number;
  readonly height: number;
  readonly nodes: readonly { id: string; x: number; y: number; w: number; h: number }[];
  readonly edges: readonly {
    from: string;
    to: string;
    d: string;
    back: boolean;
    label: { x: number; y: number; w: number; h: number; lines: readonly string[] };
  }[];
}

export interface Dashboard {
  readonly states: readonly { id: string; initial: boolean; final: boolean; substates: readonly string[] }[];
  readonly layout: LaidOutGraph;
  /** States a position may rest in for long (never "stuck"). */
  readonly resting: readonly string[];
  readonly finalStates: readonly string[];
  readonly stuckAfterMs: number;
  readonly environment: string;
  readonly persistence: 'redis' | 'memory';
  readonly board: boolean;
  /** The server's clock when it answered. */
  readonly now: number;
}

export interface ClosePreview {
  readonly id: string;
  readonly preview: true;
  readonly note: string;
  readonly kind: 'order' | 'refused';
  readonly why?: string;
  readonly order?: {
    readonly symbol: string;
    readonly side: string;
    readonly amount: number;
    readonly type: string;
    readonly reduceOnly: boolean;
  };
  readonly basedOn?: {
    readonly side?: string;
    readonly size: number;
    readonly source: string;
    readonly receivedAt: number;
    readonly venueTime?: number;
  };
}

/** What `/v1/events` carries. */
export type ServiceEvent =
  | {
      type: 'transition';
      positionId: string;
      from: string;
      to: string;
      at: number;
      cause?: string;
      row?: Partial<Position>;
    }
  | { type: 'row'; positionId: string; state: string; at: number; row: Partial<Position> }
  | { type: 'alert'; alert: Alert }
  | { type: 'ack'; alertId: string; acknowledged: { at: number; by: string } }
  | { type: 'sweep'; report: SweepReport }
  | { type: 'account'; account: Account }
  | { type: 'action'; action: OperatorAction }
  | { type: 'orphans'; account: string; rows: readonly OrphanRow[] };
