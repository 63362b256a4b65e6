import { isUtf8 } from 'node:buffer';
import type { IncomingMessage } from 'node:http';
import express, { type Request, type RequestHandler } from 'express';
import { fill } from '../../../core/text-catalog.js';
import { NOT_UTF8, unsupportedMediaType } from './api-errors.js';

const JSON_ONLY = 'send the body as JSON with Content-Type: application/json (got {type})';

/**
 * express.json, refusing bytes that are not UTF-8 instead of decoding them to U+FFFD (which
 * would store a changed text as if the client had sent it). The check is native and runs only
 * on bodies the parser reads, which are at most `limit` bytes.
 */
export function jsonBodyParser(limit: number): RequestHandler {
  return express.json({ limit, verify: requireUtf8 });
}

function requireUtf8(_req: IncomingMessage, _res: unknown, buf: Buffer, charset: string): void {
  if (charset.toLowerCase() !== 'utf-8' || isUtf8(buf)) return;
  throw Object.assign(new Error('body is not valid UTF-8'), { type: NOT_UTF8, status: 400 });
}

/**
 * A route that takes a body refuses one sent as anything but JSON (a form, text, no type)
 * with 415, rather than reading it as an empty object and answering "required" for its fields.
 * A request without a body still reaches the route's own checks.
 */
export function requireJsonBody(req: Request): void {
  if (!hasBody(req) || req.is('application/json')) return;
  throw unsupportedMediaType(fill(JSON_ONLY, { type: req.get('content-type') ?? 'none' }));
}

function hasBody(req: Request): boolean {
  return req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
}
