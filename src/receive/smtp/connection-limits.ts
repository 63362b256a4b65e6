/**
 * Open connections per client IP. A connection is counted when onConnect admits it and
 * released in onClose; sessions are tracked by id so that a close without a matching
 * admit (the client left before onConnect ran) never drives a count below its real value.
 */
export class ConnectionLimiter {
  private readonly perIp = new Map<string, number>();
  private readonly sessions = new Map<string, string>();

  constructor(private readonly maxPerIp: number) {}

  /** Admits the session unless its IP already has `maxPerIp` open connections. */
  admit(sessionId: string, ip: string): boolean {
    const open = this.perIp.get(ip) ?? 0;
    if (open >= this.maxPerIp) return false;
    this.perIp.set(ip, open + 1);
    this.sessions.set(sessionId, ip);
    return true;
  }

  release(sessionId: string): void {
    const ip = this.sessions.get(sessionId);
    if (ip === undefined) return;
    this.sessions.delete(sessionId);
    const open = (this.perIp.get(ip) ?? 1) - 1;
    if (open > 0) this.perIp.set(ip, open);
    else this.perIp.delete(ip);
  }

  openFrom(ip: string): number {
    return this.perIp.get(ip) ?? 0;
  }
}
