/** Client accounts. */
import { ApiKeyListSchema, ClientAnswerSchema, ClientListSchema, ClientSavedSchema, ClientUsersSchema, type ClientView } from "../../src/contracts/clients";
import type { Handler } from "../action";
import type { Context } from "../context";
import { usd, when } from "../format";
import { numberOption, paging } from "../options";

function showClient(ctx: Context, c: ClientView): void {
  ctx.out.fields([
    ["client", c.client_id],
    ["company", c.company_name],
    ["contact", `${c.contact_name ?? "-"} <${c.contact_email}>`],
    ["tier", c.subscription_tier],
    ["status", c.account_status],
    ["budget", `${usd(c.monthly_budget_usd)} a month; ${usd(c.used_budget_current_month_usd)} used${c.budget_period ? ` in ${c.budget_period}` : ""}`],
    ["industry", c.industry],
    ["created", when(c.created_at)],
  ]);
}

interface ListOptions { tier?: string; status?: string; limit: string; offset: string }

/** `aif clients list`. */
export const list: Handler<ListOptions> = async (ctx, _args, options) => {
  const answer = await ctx.api.get(ClientListSchema, "/clients", {
    query: { tier: options.tier, status: options.status, ...paging(options) },
  });
  ctx.out.emit(answer, () => {
    ctx.out.table(["client", "company", "tier", "status", "budget", "used"], answer.clients.map((c) => [
      c.client_id, c.company_name, c.subscription_tier, c.account_status, usd(c.monthly_budget_usd), usd(c.used_budget_current_month_usd),
    ]), ["left", "left", "left", "left", "right", "right"]);
    ctx.out.line(ctx.out.c.dim(`${answer.clients.length} of ${answer.total}`));
  }, answer.clients);
};

/** `aif clients show <id>`. */
export const show: Handler<object> = async (ctx, [id]) => {
  const { client } = await ctx.api.get(ClientAnswerSchema, `/client/${encodeURIComponent(id!)}`);
  ctx.out.emit(client, () => showClient(ctx, client));
};

interface FieldOptions {
  company?: string; email?: string; budget?: string; tier?: string; status?: string;
  contactName?: string; phone?: string; website?: string; industry?: string;
}

/** The body fields the options set. */
function fields(options: FieldOptions) {
  return {
    ...(options.company !== undefined ? { company_name: options.company } : {}),
    ...(options.email !== undefined ? { contact_email: options.email } : {}),
    ...(options.budget !== undefined ? { monthly_budget_usd: numberOption("budget", options.budget, 0, 10_000_000) } : {}),
    ...(options.tier !== undefined ? { subscription_tier: options.tier } : {}),
    ...(options.status !== undefined ? { account_status: options.status } : {}),
    ...(options.contactName !== undefined ? { contact_name: options.contactName } : {}),
    ...(options.phone !== undefined ? { phone: options.phone } : {}),
    ...(options.website !== undefined ? { website: options.website } : {}),
    ...(options.industry !== undefined ? { industry: options.industry } : {}),
  };
}

/** `aif clients create` (admin). */
export const create: Handler<FieldOptions> = async (ctx, _args, options) => {
  const { client } = await ctx.api.post(ClientSavedSchema, "/clients", fields(options));
  ctx.out.emit(client, () => {
    ctx.out.line(`Created ${client.client_id}.`);
    showClient(ctx, client);
  });
};

/** `aif clients update <id>`. */
export const update: Handler<FieldOptions> = async (ctx, [id], options) => {
  const { client } = await ctx.api.put(ClientSavedSchema, "/client", { client_id: id, ...fields(options) });
  ctx.out.emit(client, () => {
    ctx.out.line(`Updated ${client.client_id}.`);
    showClient(ctx, client);
  });
};

/** `aif clients users <id>`. */
export const users: Handler<object> = async (ctx, [id]) => {
  const answer = await ctx.api.get(ClientUsersSchema, `/client/${encodeURIComponent(id!)}/users`);
  ctx.out.emit(answer, () => ctx.out.table(["user", "email", "name", "role", "status", "last login"], answer.users.map((u) => [
    u.user_id, u.email, u.full_name ?? "-", u.role, u.status, when(u.last_login_at),
  ])), answer.users);
};

/** `aif clients keys <id>`. */
export const keys: Handler<object> = async (ctx, [id]) => {
  const answer = await ctx.api.get(ApiKeyListSchema, `/client/${encodeURIComponent(id!)}/api-keys`);
  ctx.out.emit(answer, () => ctx.out.table(["key", "prefix", "name", "created", "last used", "revoked"], answer.api_keys.map((k) => [
    k.key_id, k.key_prefix, k.name, when(k.created_at), when(k.last_used_at), when(k.revoked_at),
  ])), answer.api_keys);
};
