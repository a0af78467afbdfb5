import * as v from "valibot";

/** An amount of money in integer micro-USD (1 USD = 1,000,000), as every `*_micros` field carries it; a credit is negative. */
export const Micros = v.pipe(v.number(), v.integer("must be whole micro-USD"));
