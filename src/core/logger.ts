import type { Logger as PinoLogger } from 'pino';

/** The logger every part takes as a parameter (pino; tests pass `pino({ level: 'silent' })`). */
export type Logger = PinoLogger;
