// Resolves what a caller may see from the registry's scope indexes, for the pure rules of core/auth.ts.
import { seesEverything, type Caller, type CustomerScope } from '../core/auth.ts';
import type { RegistryStore } from '../infra/registry-store.ts';

export function createScopeResolver(registry: Pick<RegistryStore, 'customersOfAdvisor' | 'advisorsOfCustomer'>) {
  return {
    /** Customers (and so their vehicles, assignments, cases) the caller may see. */
    async customers(caller: Caller): Promise<CustomerScope> {
      if (seesEverything(caller)) return { all: true };
      if (caller.role === 'customer') return { all: false, customerIds: new Set([caller.customerId!]) };
      if (caller.role === 'advisor') return { all: false, customerIds: new Set(await registry.customersOfAdvisor(caller.advisorId!)) };
      // Stations see cases offered to them, not the customer registry.
      return { all: false, customerIds: new Set() };
    },
    /** Advisors of the caller's own customer (customers may see their advisors' contact records). */
    async advisorsOfCaller(caller: Caller): Promise<ReadonlySet<string>> {
      if (caller.role === 'customer') return new Set(await registry.advisorsOfCustomer(caller.customerId!));
      return new Set();
    },
  };
}

export type ScopeResolver = ReturnType<typeof createScopeResolver>;
