/**
 * Amounts as exact integers of 1/10 000, so sums of many lines do not drift the way binary
 * floating point does, and rounding to cents behaves like the Schematron's `round(x*100) div 100`
 * (halves toward +∞, as XPath's round()).
 */

const DECIMAL = /^[+-]?(\d+)(?:\.(\d+))?$/;
const SCALE = 10_000;

/** Ten-thousandths of the written decimal, or undefined when it is not a plain decimal number. */
export function units(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const m = DECIMAL.exec(text);
  if (m === null) return undefined;
  return Math.round(Number(text) * SCALE);
}

/** Rounded to whole cents, still in ten-thousandths. */
export function roundCents(u: number): number {
  return Math.round(u / 100) * 100;
}

export function show(u: number): string {
  return (u / SCALE).toFixed(2);
}

export function decimals(text: string | undefined): number {
  const m = text === undefined ? null : DECIMAL.exec(text);
  return m?.[2]?.length ?? 0;
}

export function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
