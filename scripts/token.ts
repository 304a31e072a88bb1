// Prints a bearer token for operators and demos:
//   npm run token -- --role <admin|agent|advisor|customer|station> [--customer id] [--station id] [--advisor id]
//                    [--sub name] [--ttl 12h]
// Signs HS256 with JWT_SECRET (plus JWT_AUDIENCE / JWT_ISSUER when set), exactly as the API verifies.
import { parseArgs } from 'node:util';
import { ROLES, SCOPE_CLAIM, callerFromClaims, type Role } from '../core/auth.ts';
import { readJwtConfig, signToken } from '../infra/jwt.ts';
import { runMain } from '../infra/run-main.ts';

class UsageError extends Error {}

runMain('token', () => printToken().catch((err: unknown) => {
  if (!(err instanceof UsageError)) throw err;
  process.stderr.write(`token: ${err.message}\nusage: npm run token -- --role <${ROLES.join('|')}> [--customer id] [--station id] [--advisor id] [--sub name] [--ttl 12h]\n`);
  process.exit(64);
}));

async function printToken(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      args: process.argv.slice(2),
      options: {
        role: { type: 'string' },
        customer: { type: 'string' },
        station: { type: 'string' },
        advisor: { type: 'string' },
        sub: { type: 'string' },
        ttl: { type: 'string', default: '12h' },
      },
      strict: true,
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const role = values.role;
  if (!role || !(ROLES as readonly string[]).includes(role)) {
    throw new UsageError(`--role must be one of ${ROLES.join(', ')}`);
  }
  if (!/^\d+[smhd]$/.test(values.ttl)) throw new UsageError('--ttl must look like 30m, 12h or 30d');
  const scope = {
    ...(values.customer !== undefined ? { customerId: values.customer } : {}),
    ...(values.station !== undefined ? { stationId: values.station } : {}),
    ...(values.advisor !== undefined ? { advisorId: values.advisor } : {}),
  };
  const claim = SCOPE_CLAIM[role as Role];
  const sub = values.sub ?? `${role}${claim ? `:${scope[claim] ?? ''}` : ''}`;
  try {
    callerFromClaims({ sub, role, ...scope }); // the same rules the API applies
  } catch (err) {
    throw new UsageError(`${(err as Error).message} (pass --${claim?.replace('Id', '')} <id>)`);
  }
  const token = await signToken(readJwtConfig(process.env), { sub, role: role as Role, ...scope }, values.ttl);
  process.stdout.write(`${token}\n`);
}
