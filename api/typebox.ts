// TypeBox as Fastify's type provider: a route's schema gives its handler typed params, query, body
// and reply. (The same idea as @fastify/type-provider-typebox, in a few lines, without the dependency.)
import type { FastifyTypeProvider } from 'fastify';
import type { Static, TSchema } from '@sinclair/typebox';

export interface TypeBoxTypeProvider extends FastifyTypeProvider {
  validator: this['schema'] extends TSchema ? Static<this['schema']> : unknown;
  serializer: this['schema'] extends TSchema ? Static<this['schema']> : unknown;
}
