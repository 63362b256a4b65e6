import type { SMTPServer } from 'smtp-server';
import { Replies, type SmtpReply } from '../../core/smtp-reply.js';
import { closeSession, hasOpenTransaction, hookCommands, isBusy, type CommandView } from './server-connections.js';

export interface CommandGuardLimits {
  /** A whole command line must arrive within this time after the previous reply; 0 = off. */
  readonly commandTimeoutMs: number;
  /** Longest a connection may last; 0 = off. */
  readonly sessionTimeoutMs: number;
  /** Advertise and accept AUTH before TLS. */
  readonly allowPlaintextAuth: boolean;
  readonly junkCommandLimit: number;
  readonly errorSleepMs: number;
}

export type GuardEvent = 'command-timeout' | 'session-timeout' | 'junk' | 'auth-before-tls';

/** Commands that do nothing for a mail transaction (Postfix's "junk" commands). */
const JUNK = new Set(['NOOP', 'RSET', 'VRFY', 'HELP']);
/** Junk commands over the limit after which the session is closed (Postfix smtpd_hard_error_limit). */
const HARD_JUNK_EXCESS = 20;
/** The error sleep grows with each junk command over the limit, up to this many times errorSleepMs. */
const MAX_SLEEP_FACTOR = 10;
/** How often a session past its deadline is checked again while its transaction finishes. */
const RECHECK_MS = 1_000;

interface GuardState {
  junk: number;
  commandTimer: NodeJS.Timeout | undefined;
  sessionTimer: NodeJS.Timeout | undefined;
  /** The session deadline passed while a transaction was open: close at the next command outside one. */
  expired: boolean;
}

/**
 * Per-session deadlines and command filters that smtp-server does not have: its idle timer
 * restarts on every byte, so a client dripping a byte every few seconds could hold its slot
 * forever. Here a command line must be complete within `commandTimeoutMs` (RFC 5321
 * 4.5.3.2.7: five minutes for the next command) and a session ends after `sessionTimeoutMs`
 * (between transactions: a message in progress is never cut off by it). Also: AUTH before
 * TLS, and NOOP/RSET/VRFY/HELP floods from unauthenticated clients.
 */
export class CommandGuard {
  private readonly states = new Map<string, GuardState>();

  constructor(
    private readonly server: SMTPServer,
    private readonly limits: CommandGuardLimits,
    private readonly onEvent: (sessionId: string, event: GuardEvent) => void,
  ) {}

  attach(sessionId: string): void {
    const state: GuardState = { junk: 0, commandTimer: undefined, sessionTimer: undefined, expired: false };
    this.states.set(sessionId, state);
    const hideAuth = (secure: boolean): boolean => !secure && !this.limits.allowPlaintextAuth;
    hookCommands(this.server, sessionId, {
      filter: (command) => this.check(sessionId, state, command),
      hideAuth,
      answered: () => this.armCommandTimer(sessionId, state),
    });
    this.armCommandTimer(sessionId, state);
    if (this.limits.sessionTimeoutMs > 0)
      state.sessionTimer = unrefTimer(() => this.sessionExpired(sessionId, state), this.limits.sessionTimeoutMs);
  }

  /** The session's DATA was answered (smtp-server does not end DATA through the command callback). */
  answered(sessionId: string): void {
    const state = this.states.get(sessionId);
    if (state) this.armCommandTimer(sessionId, state);
  }

  detach(sessionId: string): void {
    const state = this.states.get(sessionId);
    if (!state) return;
    clearTimeout(state.commandTimer);
    clearTimeout(state.sessionTimer);
    state.commandTimer = undefined;
    this.states.delete(sessionId);
  }

  private check(
    sessionId: string,
    state: GuardState,
    command: CommandView,
  ): SmtpReply | undefined | Promise<SmtpReply | undefined> {
    this.armCommandTimer(sessionId, state);
    if (state.expired && !command.inTransaction) {
      this.onEvent(sessionId, 'session-timeout');
      return Replies.sessionTimeout();
    }
    if (command.name === 'AUTH' && !command.secure && !this.limits.allowPlaintextAuth) {
      this.onEvent(sessionId, 'auth-before-tls');
      return Replies.startTlsFirst();
    }
    if (!JUNK.has(command.name) || command.authenticated) return undefined;
    const excess = ++state.junk - this.limits.junkCommandLimit;
    if (excess <= 0) return undefined;
    this.onEvent(sessionId, 'junk');
    const reply = excess >= HARD_JUNK_EXCESS ? Replies.tooManyJunkCommandsClosing() : Replies.tooManyJunkCommands();
    return sleep(Math.min(excess, MAX_SLEEP_FACTOR) * this.limits.errorSleepMs).then(() => reply);
  }

  private armCommandTimer(sessionId: string, state: GuardState): void {
    if (this.limits.commandTimeoutMs <= 0 || !this.states.has(sessionId)) return;
    // refresh() restarts the same timer: no new timer object for every command.
    if (state.commandTimer) state.commandTimer.refresh();
    else state.commandTimer = unrefTimer(() => this.commandExpired(sessionId, state), this.limits.commandTimeoutMs);
  }

  private commandExpired(sessionId: string, state: GuardState): void {
    if (!this.states.has(sessionId)) return;
    state.commandTimer = undefined;
    // We owe the client a reply, or a message is coming in (the transaction deadline covers that).
    if (isBusy(this.server, sessionId)) return this.armCommandTimer(sessionId, state);
    this.onEvent(sessionId, 'command-timeout');
    closeSession(this.server, sessionId, Replies.commandTimeout());
  }

  private sessionExpired(sessionId: string, state: GuardState): void {
    if (!this.states.has(sessionId)) return;
    if (isBusy(this.server, sessionId) || hasOpenTransaction(this.server, sessionId)) {
      state.expired = true;
      state.sessionTimer = unrefTimer(() => this.sessionExpired(sessionId, state), RECHECK_MS);
      return;
    }
    this.onEvent(sessionId, 'session-timeout');
    closeSession(this.server, sessionId, Replies.sessionTimeout());
  }
}

function unrefTimer(fn: () => void, ms: number): NodeJS.Timeout {
  const timer = setTimeout(fn, ms);
  timer.unref();
  return timer;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
