import * as v from "valibot";
import { IdString } from "../router/schemas";

/** The three kinds of live actor, as partyserver names their parties. */
export const Parties = ["pipeline-actor", "resource-pool", "client-ledger"] as const;

/** `POST /live/tickets`: the subscription a ticket is for. */
export const TicketBody = v.strictObject({
  party: v.picklist(Parties, `must be one of ${Parties.join(", ")}`),
  name: IdString,
});

/** A ticket as issued: the secret (single use) and when it stops working (ms since the epoch). */
export const IssuedTicketSchema = v.object({
  ticket: v.string(), expires_at: v.number(), party: v.picklist(Parties), name: v.string(),
});
export type IssuedTicket = v.InferOutput<typeof IssuedTicketSchema>;
