import { pino, type Logger } from 'pino';
import type { LogLevel } from './config.ts';

export type { Logger };

/** Structured JSON logs on stdout. Secrets are redacted by path wherever they could appear. */
export function createLogger(opts: { level: LogLevel; name: string }): Logger {
  return pino({
    name: opts.name,
    level: opts.level,
    base: { process: opts.name, pid: process.pid },
    redact: {
      paths: [
        'password', '*.password', 'token', '*.token', 'secret', '*.secret', 'webhookSecret', '*.webhookSecret',
        'authorization', '*.authorization', 'headers.authorization', 'req.headers.authorization',
        'config.jwtSecret', 'jwtSecret',
      ],
      censor: '[redacted]',
    },
  });
}
