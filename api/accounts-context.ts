// What the account route plugins receive: the accounts services built once by the API's composition root.
import type { FastifyPluginAsync, RawServerDefault } from 'fastify';
import type { AccountServices } from '../accounts/services.ts';
import type { TypeBoxTypeProvider } from './typebox.ts';

export interface AccountsRouteOptions {
  readonly accounts: AccountServices;
}

export type AccountsRoutePlugin = FastifyPluginAsync<AccountsRouteOptions, RawServerDefault, TypeBoxTypeProvider>;
