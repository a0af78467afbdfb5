/**
 * Money is kept as integer micro-USD (1e-6 USD) everywhere inside; USD decimals appear only at
 * the API edge, converted here.
 */
export const MICROS_PER_USD = 1_000_000;

/** USD (a decimal from the API) to integer micro-USD, rounded half away from zero. */
export function usdToMicros(usd: number): number {
  if (!Number.isFinite(usd)) throw new RangeError(`not a finite USD amount: ${usd}`);
  return Math.sign(usd) * Math.round(Math.abs(usd) * MICROS_PER_USD);
}

/** Integer micro-USD to USD for responses. */
export function microsToUsd(micros: number): number {
  return micros / MICROS_PER_USD;
}
