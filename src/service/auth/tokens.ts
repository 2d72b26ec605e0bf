/**
 * Who a request is: the API tokens of the config (`http.token` is the admin token named
 * `default`; `http.tokens` are named, with scopes) and what each scope allows. Scopes nest:
 * `admin` can do what `trade` can, `trade` what `read` can. Tokens are compared in constant
 * time; a token is never kept anywhere but here, nor shown.
 *
 * @example
 * const tokens = TokenTable.fromConfig(config.http);
 * tokens.byToken(bearer)?.name; // 'grafana'
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Config } from '../../config/config.js';

export type Scope = 'read' | 'trade' | 'admin';

/** Whom a request acts for (the token's name goes into logs and acknowledgements). */
export interface Principal {
  readonly name: string;
  readonly scopes: readonly Scope[];
}

const RANK: Readonly<Record<Scope, number>> = { read: 1, trade: 2, admin: 3 };

/** Whether a principal may do what needs `scope`. */
export function allows(principal: Principal, scope: Scope): boolean {
  return principal.scopes.some((s) => RANK[s] >= RANK[scope]);
}

/** Without tokens the API is open (to loopback clients only: `start` refuses any other bind). */
export const ANONYMOUS: Principal = { name: 'anonymous', scopes: ['admin'] };

interface Entry extends Principal {
  readonly token: string;
  readonly digest: Buffer;
}

const digest = (text: string): Buffer => createHash('sha256').update(text).digest();

export class TokenTable {
  private constructor(private readonly entries: readonly Entry[]) {}

  static fromConfig(http: Config['http']): TokenTable {
    const list: { name: string; token: string; scopes: readonly Scope[] }[] = [];
    if (http.token !== undefined) list.push({ name: 'default', token: http.token, scopes: ['admin'] });
    for (const t of http.tokens ?? []) list.push({ name: t.name, token: t.token, scopes: t.scopes });
    return new TokenTable(list.map((t) => ({ ...t, digest: digest(t.token) })));
  }

  /** Whether any token is configured (then every route but the health checks needs one). */
  get required(): boolean {
    return this.entries.length > 0;
  }

  byToken(token: string): Principal | undefined {
    const d = digest(token);
    let found: Entry | undefined;
    for (const e of this.entries) if (timingSafeEqual(d, e.digest)) found = e;
    return found === undefined ? undefined : { name: found.name, scopes: found.scopes };
  }

  /** The token of a name, to check a session signed with it (never leaves this module's callers). */
  secretOf(name: string): { principal: Principal; token: string } | undefined {
    const e = this.entries.find((x) => x.name === name);
    return e === undefined ? undefined : { principal: { name: e.name, scopes: e.scopes }, token: e.token };
  }
}
