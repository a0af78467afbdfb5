/** Staff: a client's ledger. */
import { randomUUID } from "node:crypto";
import { LedgerAdjustAnswerSchema, LedgerInspectionSchema, type LedgerAdjustInput, type LedgerInspection } from "../../src/contracts/admin";
import type { Handler } from "../action";
import { ApiError, CliError } from "../errors";
import { watchParty } from "../live/party-watch";
import { snapshotOf } from "../live/snapshot";
import { micros, usd, when } from "../format";
import { numberOption } from "../options";

type LedgerBalance = LedgerInspection["balance"];

/** A share for people: whole percents, one decimal under 10 %, "<0.1%" for a sliver. */
function percent(share: number): string {
  const p = share * 100;
  if (p > 0 && p < 0.1) return "<0.1%";
  return p < 10 ? `${p.toFixed(1)}%` : `${Math.round(p)}%`;
}

/** The month's balance lines. */
function balanceFields(b: LedgerBalance): [string, string][] {
  return [
    ["client", b.client_id],
    ["period", b.period],
    ["budget", micros(b.budget)],
    ["spent", `${micros(b.spent)}${b.budget > 0 ? ` (${percent(b.spent / b.budget)} of the budget)` : ""}`],
    ["held", micros(b.held)],
    ["available", micros(b.available)],
    ["unbilled", micros(b.unbilled ?? 0)],
    ["alerts", b.alerted.length > 0 ? b.alerted.map((p) => `${p}%`).join(", ") : "-"],
  ];
}

/** `aif ledger show <client>`: staff get the books; a client (refused those) its own balance from the ledger's live snapshot. */
export const show: Handler<{ watch?: boolean }> = async (ctx, [client], options) => {
  let books: LedgerInspection | null = null;
  try {
    books = await ctx.api.get(LedgerInspectionSchema, `/admin/actors/ledgers/${encodeURIComponent(client!)}`);
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 403)) throw error;
  }
  if (books === null) {
    const balance = await snapshotOf(ctx.api, "client-ledger", client!);
    ctx.out.emit(balance, () => ctx.out.fields(balanceFields(balance)));
  } else {
    const l = books;
    ctx.out.emit(l, () => {
      ctx.out.fields(balanceFields(l.balance));
      if (l.open_holds.length > 0) {
        ctx.out.line();
        ctx.out.table(["open hold", "amount", "still held", "since"], l.open_holds.map((h) => [h.key, micros(h.amount), micros(h.remaining), when(h.at)]), ["left", "right", "right", "left"]);
      }
      if (l.recent_entries.length > 0) {
        ctx.out.line();
        ctx.out.table(["entry", "key", "amount", "charged", "reason", "at"], l.recent_entries.slice(-15).map((e) => [
          e.kind, e.key ?? "-", micros(e.amount), micros(e.charged), e.reason ?? "-", when(e.at),
        ]), ["left", "left", "right", "right", "left", "left"]);
      }
    });
  }
  if (options.watch) return await watchParty(ctx, "client-ledger", client!, true);
};

interface AdjustOptions { debit?: string; credit?: string; reason: string; key?: string }

/** `aif ledger adjust <client> --debit|--credit <usd> --reason …` (admin). */
export const adjust: Handler<AdjustOptions> = async (ctx, [client], options) => {
  if ((options.debit === undefined) === (options.credit === undefined)) throw new CliError("give exactly one of --debit <usd> or --credit <usd>");
  const amount = options.debit !== undefined ? numberOption("debit", options.debit, 0.000001, 1_000_000)! : -numberOption("credit", options.credit, 0.000001, 1_000_000)!;
  const body: LedgerAdjustInput = { amount_usd: amount, reason: options.reason, idempotency_key: options.key ?? `aif-cli:${randomUUID()}` };
  const answer = await ctx.api.post(LedgerAdjustAnswerSchema, `/admin/actors/ledgers/${encodeURIComponent(client!)}/adjust`, body);
  ctx.out.emit({ ...answer, amount_usd: amount, idempotency_key: body.idempotency_key }, () => {
    ctx.out.line(`${amount > 0 ? "Debited" : "Credited"} ${usd(Math.abs(amount))} ${amount > 0 ? "from" : "to"} ${client} (${answer.status})${answer.available !== undefined ? `; available now ${micros(answer.available)}` : ""}.`);
    ctx.out.line(ctx.out.c.dim(`idempotency key: ${body.idempotency_key}`));
  });
};
