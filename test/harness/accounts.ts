import type { MosquittoAccounts } from '../../infra/local-services.ts';

/** Broker accounts of the test broker (throwaway credentials for a private loopback broker). */
export const testAccounts: MosquittoAccounts = {
  ingester: { username: 'ingester', password: 'test-ingester-password' },
  ops: { username: 'ops', password: 'test-ops-password' },
};
