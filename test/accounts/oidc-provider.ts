// A real OpenID provider (the certified `oidc-provider` package) on a loopback port for the single sign-on
// tests. Its login and consent steps sign in whoever the test says is at the keyboard (`signInAs`), the way
// a person would at the operator's identity provider; everything else — discovery, PKCE, codes, ID tokens,
// userinfo — is the provider's own.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import Provider from 'oidc-provider';

export interface TestPerson {
  readonly sub: string;
  readonly name: string;
  readonly preferred_username?: string;
  readonly email?: string;
  readonly groups: readonly string[];
  readonly customerId?: string;
}

export interface TestOpenIdProvider {
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** Who signs in at the provider's next login prompt. */
  signInAs(person: TestPerson): void;
  close(): Promise<void>;
}

/** `redirectUris` is read at the provider's first request, so a test may add its API's callback once that listens. */
export async function startOpenIdProvider(opts: { redirectUris: string[] }): Promise<TestOpenIdProvider> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clientId = 'fleet-console';
  const clientSecret = 'test-oidc-client-secret-0123456789';
  const people = new Map<string, TestPerson>();
  let current: TestPerson | undefined;
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const signingKey = { ...(await exportJWK(privateKey)), alg: 'RS256', use: 'sig', kid: 'test' };

  const build = () => new Provider(issuer, {
    clients: [{ client_id: clientId, client_secret: clientSecret, redirect_uris: opts.redirectUris, response_types: ['code'], grant_types: ['authorization_code'] }],
    jwks: { keys: [signingKey] },
    cookies: { keys: ['test-oidc-cookie-key-0123456789abcdef'] },
    claims: { openid: ['sub'], profile: ['name', 'preferred_username'], email: ['email'], groups: ['groups', 'customerId'] },
    scopes: ['openid', 'profile', 'email', 'groups'],
    pkce: { required: () => true },
    ttl: { Interaction: 600, Session: 3600, Grant: 3600, AccessToken: 600, IdToken: 600, AuthorizationCode: 60 },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    findAccount: async (_ctx, id) => {
      const person = people.get(id);
      if (!person) return undefined;
      return { accountId: id, claims: async () => ({ ...person, groups: [...person.groups] }) };
    },
  });

  let built: Provider | undefined;
  const providerOf = () => (built ??= build());

  async function interaction(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const provider = providerOf();
    const details = await provider.interactionDetails(req, res);
    if (details.prompt.name === 'login') {
      if (!current) throw new Error('the test did not say who signs in (signInAs)');
      people.set(current.sub, current);
      await provider.interactionFinished(req, res, { login: { accountId: current.sub } }, { mergeWithLastSubmission: false });
      return;
    }
    const promptDetails = details.prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[] };
    const grant = new provider.Grant({ accountId: details.session!.accountId, clientId: String(details.params['client_id']) });
    if (promptDetails.missingOIDCScope) grant.addOIDCScope(promptDetails.missingOIDCScope.join(' '));
    if (promptDetails.missingOIDCClaims) grant.addOIDCClaims(promptDetails.missingOIDCClaims);
    await provider.interactionFinished(req, res, { consent: { grantId: await grant.save() } }, { mergeWithLastSubmission: true });
  }

  server.on('request', (req, res) => {
    if (req.url?.startsWith('/interaction/')) {
      interaction(req, res).catch((err: Error) => {
        res.statusCode = 500;
        res.end(err.message);
      });
      return;
    }
    providerOf().callback()(req, res);
  });

  return {
    issuer,
    clientId,
    clientSecret,
    signInAs(person) {
      current = person;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
