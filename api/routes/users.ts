// User accounts (admin only): create, list, read, change, deactivate, reset a password.
import { Type } from '@sinclair/typebox';
import { callerOf } from '../auth.ts';
import type { RoutePlugin } from '../context.ts';
import { NewUserBody, PasswordResetBody, UserChangeBody, UserId, UserSchema } from '../account-schemas.ts';

const tags = ['accounts'];
const ADMIN = ['admin'] as const;

const userRoutes: RoutePlugin = async (app, { accounts }) => {
  app.get('/users', {
    config: { roles: ADMIN },
    schema: { tags, summary: 'Every user account (admin)', response: { 200: Type.Object({ items: Type.Array(UserSchema) }) } },
  }, async () => ({ items: await accounts.users.list() }));

  app.post('/users', {
    config: { roles: ADMIN },
    schema: {
      tags,
      summary: 'Create a user account (admin)',
      description: 'Role and its binding: customer → customerId, station → stationId, advisor → advisorId; admin and agent need none. '
        + 'Password: at least 10 characters, not containing the username. 409 when the username is taken (regardless of case).',
      body: NewUserBody,
      response: { 201: UserSchema, 409: { $ref: 'ErrorResponse#' } },
    },
  }, async (request, reply) => {
    callerOf(request);
    const user = await accounts.users.create(request.body);
    request.auditObject = `users/${user.id}`;
    return reply.status(201).send(user);
  });

  app.get('/users/:id', {
    config: { roles: ADMIN },
    schema: { tags, summary: 'One user account (admin)', params: Type.Object({ id: UserId }), response: { 200: UserSchema } },
  }, async (request) => accounts.users.get(request.params.id));

  app.patch('/users/:id', {
    config: { roles: ADMIN },
    schema: {
      tags,
      summary: 'Change a user account (admin); `active: false` deactivates it and ends the user\'s sessions before answering',
      params: Type.Object({ id: UserId }),
      body: UserChangeBody,
      response: { 200: UserSchema },
    },
  }, async (request) => accounts.users.update(request.params.id, request.body));

  app.post('/users/:id/password', {
    config: { roles: ADMIN },
    schema: {
      tags,
      summary: 'Reset a user\'s password (admin): their sessions end and they must choose a new password at next sign-in',
      params: Type.Object({ id: UserId }),
      body: PasswordResetBody,
      response: { 200: UserSchema, 409: { $ref: 'ErrorResponse#' } },
    },
  }, async (request) => accounts.users.resetPassword(request.params.id, request.body.password));
};

export default userRoutes;
