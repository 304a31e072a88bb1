// Who is calling and what they may see. Pure rules: the API resolves the data a rule needs (e.g. the
// customers an advisor looks after) and asks these functions; nothing here does I/O.
import { DomainError } from './errors.ts';

export const ROLES = ['admin', 'agent', 'advisor', 'customer', 'station'] as const;
export type Role = (typeof ROLES)[number];

/** The authenticated caller, built from verified JWT claims. */
export interface Caller {
  readonly sub: string;
  readonly role: Role;
  readonly customerId?: string;
  readonly stationId?: string;
  readonly advisorId?: string;
  /** The person's display name (user accounts) or the key's name (API keys), for timelines and the audit trail. */
  readonly name?: string;
  /** How the caller proved who they are: a bearer JWT, a sign-in session cookie or an API key. */
  readonly via?: 'token' | 'session' | 'api-key';
  /** A session whose user must choose a new password before anything else (after an admin's reset). */
  readonly mustChangePassword?: boolean;
}

const ID = /^[A-Za-z0-9_-]{1,64}$/;

/** The claim that ties each scoped role to its object. */
export const SCOPE_CLAIM: Readonly<Partial<Record<Role, 'customerId' | 'stationId' | 'advisorId'>>> = {
  customer: 'customerId',
  station: 'stationId',
  advisor: 'advisorId',
};

/** Turns verified JWT claims into a Caller; a token without a usable role or scope claim is unauthenticated. */
export function callerFromClaims(claims: Readonly<Record<string, unknown>>): Caller {
  const { sub, role } = claims;
  if (typeof sub !== 'string' || sub.length === 0 || sub.length > 200) {
    throw new DomainError('unauthenticated', 'token has no subject (sub)');
  }
  if (typeof role !== 'string' || !(ROLES as readonly string[]).includes(role)) {
    throw new DomainError('unauthenticated', `token role must be one of ${ROLES.join(', ')}`);
  }
  const caller: { -readonly [K in keyof Caller]: Caller[K] } = { sub, role: role as Role };
  const claim = SCOPE_CLAIM[role as Role];
  if (claim) {
    const value = claims[claim];
    if (typeof value !== 'string' || !ID.test(value)) {
      throw new DomainError('unauthenticated', `a ${role} token needs the claim ${claim}`);
    }
    caller[claim] = value;
  }
  return caller;
}

/** Admin and call-center agents see every object. */
export function seesEverything(caller: Caller): boolean {
  return caller.role === 'admin' || caller.role === 'agent';
}

/** 403 unless the caller's role is one of `roles`. */
export function requireRole(caller: Caller, roles: readonly Role[]): void {
  if (!roles.includes(caller.role)) {
    throw new DomainError('forbidden', `this action needs the role ${roles.join(' or ')} (you are ${caller.role})`);
  }
}

/**
 * What a caller may see of the customer side of the registry: every customer, or an explicit set
 * (a customer itself; an advisor's assigned customers; a station's served customers).
 */
export type CustomerScope = { readonly all: true } | { readonly all: false; readonly customerIds: ReadonlySet<string> };

export function customerInScope(scope: CustomerScope, customerId: string): boolean {
  return scope.all || scope.customerIds.has(customerId);
}

/** A station may see its own record; admin/agent every station; others see stations as public network data. */
export function stationInScope(caller: Caller, stationId: string): boolean {
  return caller.role !== 'station' || caller.stationId === stationId;
}

/** An advisor may see its own record; admin/agent every advisor; customers see their advisors (resolved by the API). */
export function advisorInScope(caller: Caller, advisorId: string, advisorsOfCaller: ReadonlySet<string>): boolean {
  if (seesEverything(caller)) return true;
  if (caller.role === 'advisor') return caller.advisorId === advisorId;
  return advisorsOfCaller.has(advisorId);
}

/** Scoping fields of a live event (core/events.ts). */
export interface ScopedEvent {
  readonly customerId?: string;
  readonly stationIds?: readonly string[];
  /** The event's details; `stationId` names the station an event is about (an offer, an answer, a launch). */
  readonly data?: Readonly<Record<string, unknown>>;
}

/**
 * Whether the caller may see a live event: admin/agent all; a customer its own; an advisor those of
 * its customers; a station only events naming it (cases offered or assigned to it).
 */
export function eventInScope(caller: Caller, event: ScopedEvent, scope: CustomerScope): boolean {
  if (seesEverything(caller)) return true;
  if (caller.role === 'station') {
    // A case's events name every station it was offered to; a station hears only those not about another one.
    const about = event.data?.['stationId'];
    return (event.stationIds?.includes(caller.stationId!) ?? false) && (about === undefined || about === caller.stationId);
  }
  return event.customerId !== undefined && customerInScope(scope, event.customerId);
}

/** A live event as the caller may read it: a station is not told which other stations a case went to. */
export function eventAsSeenBy<E extends ScopedEvent>(caller: Caller, event: E): E {
  if (caller.role !== 'station' || !event.stationIds) return event;
  return { ...event, stationIds: [caller.stationId!] };
}

/** What scoping needs of a rescue case. */
export interface ScopedCase {
  readonly customerId: string;
  readonly stationIds: readonly string[];
}

/**
 * The one rule for who may see a rescue case, used by every rescue route and listing: admin/agent all; a
 * customer its own; an advisor those of the customers it looks after (`scope`); a station the cases it was
 * offered or assigned.
 */
export function caseInScope(caller: Caller, c: ScopedCase, scope: CustomerScope): boolean {
  if (seesEverything(caller)) return true;
  if (caller.role === 'station') return c.stationIds.includes(caller.stationId!);
  return customerInScope(scope, c.customerId);
}

/** What of a case a station must not see: the other candidates and anything about other stations. */
interface StationRedactable {
  readonly stationIds: readonly string[];
  readonly offers: ReadonlyArray<{ readonly stationId: string }>;
  readonly candidates: readonly unknown[];
  readonly candidatesAt?: string;
  readonly launch?: { readonly stationId: string };
  readonly parts?: ReadonlyArray<{ readonly stationId?: string }>;
  readonly timeline: ReadonlyArray<{ readonly details?: Readonly<Record<string, unknown>> }>;
}

/**
 * The case as the caller may see it. A station sees its own offers, its own launch and what it needs to do
 * the job; not the candidate list, other stations' offers or ETAs, nor who won an offer it lost. Everyone
 * else in scope sees the whole case.
 */
export function caseAsSeenBy<C extends StationRedactable>(caller: Caller, c: C): C {
  if (caller.role !== 'station') return c;
  const own = caller.stationId!;
  const { candidatesAt: _candidatesAt, launch, ...rest } = c;
  return {
    ...rest,
    stationIds: [own],
    offers: c.offers.filter((o) => o.stationId === own),
    candidates: [],
    ...(launch && launch.stationId === own ? { launch } : {}),
    // Parts sent to another station (before a reassignment) are that station's business.
    ...(c.parts ? { parts: c.parts.filter((p) => p.stationId === undefined || p.stationId === own) } : {}),
    // Timeline entries about another station (its offer, its answer, its launch) are not this station's business.
    timeline: c.timeline.filter((t) => t.details?.stationId === undefined || t.details.stationId === own),
  } as unknown as C;
}
