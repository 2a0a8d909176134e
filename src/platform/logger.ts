import pino from 'pino';

export type Logger = pino.Logger;

export interface LoggerOptions {
  level: string;
  pretty: boolean;
  /** Where lines go; stdout when absent. Tests pass a stream to read them. */
  destination?: pino.DestinationStream;
}

/** Never written to a log, at the top level or one object down. */
const SECRET_KEYS = [
  'authorization',
  'cookie',
  'set-cookie',
  'password',
  'newPassword',
  'currentPassword',
  'token',
  'accessToken',
  'refreshToken',
  'otp',
  'secret',
];

const REDACTED_PATHS = [
  ...SECRET_KEYS.map((k) => `["${k}"]`),
  ...SECRET_KEYS.map((k) => `*["${k}"]`),
  ...SECRET_KEYS.map((k) => `*.headers["${k}"]`),
];

export function createLogger(options: LoggerOptions): Logger {
  const base: pino.LoggerOptions = {
    level: options.level,
    base: { service: 'mercato' },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  if (options.destination) return pino(base, options.destination);
  if (options.pretty) {
    return pino({
      ...base,
      transport: {
        target: 'pino-pretty',
        options: { translateTime: 'SYS:HH:MM:ss.l', singleLine: true, ignore: 'service' },
      },
    });
  }
  return pino(base);
}
