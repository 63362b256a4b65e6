/**
 * The built-ins pdfjs's legacy build replaces. Its bundled core-js finds that Node 20's V8 gets
 * `Array.prototype.push` wrong on array-likes longer than 2^32 and forces a JavaScript `push` (and a
 * `JSON.parse` with source access) on the whole thread: every push anywhere, pdfjs's own text
 * building included, then runs through a polyfill, a tenth of the reading time. Nothing here pushes
 * past 2^32. This module must be evaluated before pdfjs (pdfjs.ts imports it first) to see the
 * originals; `restoreBuiltins` puts them back once pdfjs is loaded.
 */
const original = { push: Array.prototype.push, parse: JSON.parse };

function isNative(fn: unknown): boolean {
  return typeof fn === 'function' && Function.prototype.toString.call(fn).includes('[native code]');
}

export function restoreBuiltins(): void {
  // Only originals go back: when pdfjs was loaded before this module, keep what is there.
  if (isNative(original.push)) Array.prototype.push = original.push;
  if (isNative(original.parse)) JSON.parse = original.parse;
}
