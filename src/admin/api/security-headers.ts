import type { NextFunction, Request, Response } from 'express';

/**
 * Baseline headers on every response. JSON and metrics need no scripts, styles or frames,
 * so the default policy forbids all; the HTML pages replace it with their own (html.ts).
 */
export function securityHeaders(_req: Request, res: Response, next: NextFunction): void {
  res.set({
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'no-referrer',
    'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'",
  });
  next();
}
