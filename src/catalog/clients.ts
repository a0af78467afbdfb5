import { ClientStatuses as ContractClientStatuses, CompanySizes as ContractCompanySizes } from "../contracts/clients";
import * as v from "valibot";
import { microsToUsd } from "../lib/money";
import { readJsonColumn } from "./json-columns";
import type { Tier } from "./tiers";

/** Client account statuses; only active and trial clients may make requests or use keys. */
export const ClientStatuses = ContractClientStatuses;
/** A client's account status. */
export type ClientStatus = (typeof ClientStatuses)[number];

/** The client's postal address as stored in `clients.address`. */
export const AddressSchema = v.strictObject({
  street: v.optional(v.pipe(v.string(), v.maxLength(200))),
  city: v.optional(v.pipe(v.string(), v.maxLength(100))),
  region: v.optional(v.pipe(v.string(), v.maxLength(100))),
  postal_code: v.optional(v.pipe(v.string(), v.maxLength(20))),
  country: v.optional(v.pipe(v.string(), v.regex(/^[A-Z]{2}$/, "must be an ISO 3166-1 alpha-2 code such as 'DE'"))),
});

interface ClientRow {
  client_id: string; company_name: string; contact_email: string; contact_name: string | null;
  phone: string | null; website: string | null; industry: string | null; company_size: string | null;
  subscription_tier: Tier; account_status: ClientStatus; monthly_budget_micros: number;
  used_budget_current_month_micros: number; budget_period: string | null; address: string | null;
  created_at: string; updated_at: string;
}

/** A client as the API shows it: money in USD at the edge, micro-USD kept alongside. */
export interface ClientView {
  client_id: string; company_name: string; contact_email: string; contact_name: string | null;
  phone: string | null; website: string | null; industry: string | null; company_size: string | null;
  subscription_tier: Tier; account_status: ClientStatus;
  monthly_budget_usd: number; used_budget_current_month_usd: number;
  monthly_budget_micros: number; used_budget_current_month_micros: number; budget_period: string | null;
  address: v.InferOutput<typeof AddressSchema> | null;
  created_at: string; updated_at: string;
}

function toView(row: ClientRow): ClientView {
  return {
    ...row,
    monthly_budget_usd: microsToUsd(row.monthly_budget_micros),
    used_budget_current_month_usd: microsToUsd(row.used_budget_current_month_micros),
    address: readJsonColumn(v.nullable(AddressSchema), row.address, "clients.address"),
  };
}

/** One client, or null. Callers apply the principal's scope before calling. */
export async function getClient(db: D1Database, clientId: string): Promise<ClientView | null> {
  const row = await db.prepare(`SELECT * FROM clients WHERE client_id = ?`).bind(clientId).first<ClientRow>();
  return row ? toView(row) : null;
}

/** Filters and page for listing clients. */
export interface ClientListQuery { tier?: Tier | undefined; status?: ClientStatus | undefined; limit: number; offset: number }

/** A page of clients, newest first, with the total count for the filter. */
export async function listClients(db: D1Database, q: ClientListQuery): Promise<{ clients: ClientView[]; total: number }> {
  const where = `WHERE (?1 IS NULL OR subscription_tier = ?1) AND (?2 IS NULL OR account_status = ?2)`;
  const [page, count] = await db.batch<ClientRow | { n: number }>([
    db.prepare(`SELECT * FROM clients ${where} ORDER BY created_at DESC, client_id LIMIT ?3 OFFSET ?4`)
      .bind(q.tier ?? null, q.status ?? null, q.limit, q.offset),
    db.prepare(`SELECT count(*) AS n FROM clients ${where}`).bind(q.tier ?? null, q.status ?? null),
  ]);
  return {
    clients: (page!.results as ClientRow[]).map(toView),
    total: (count!.results[0] as { n: number }).n,
  };
}

/** Company sizes a client record may state. */
export const CompanySizes = ContractCompanySizes;

/** Fields of a client record that its own users may change (staff may change these and more). */
export interface ClientContactFields {
  company_name?: string; contact_email?: string; contact_name?: string | null; phone?: string | null; website?: string | null;
  industry?: string | null; company_size?: string | null; address?: v.InferOutput<typeof AddressSchema> | null;
}

/** Fields only staff may change: the commercial terms. */
export interface ClientTermsFields { subscription_tier?: Tier; account_status?: ClientStatus; monthly_budget_micros?: number }

/** A new client; throws on a taken contact email (a UNIQUE failure, like `updateClient`). */
export async function insertClient(db: D1Database, id: string, c: Required<Pick<ClientContactFields, "company_name" | "contact_email">> & ClientContactFields & Required<ClientTermsFields>, now: string): Promise<ClientView> {
  const row = await db.prepare(
    `INSERT INTO clients (client_id, company_name, contact_email, contact_name, phone, website, industry, company_size,
       subscription_tier, account_status, monthly_budget_micros, address, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`,
  ).bind(id, c.company_name, c.contact_email, c.contact_name ?? null, c.phone ?? null, c.website ?? null, c.industry ?? null,
    c.company_size ?? null, c.subscription_tier, c.account_status, c.monthly_budget_micros, c.address ? JSON.stringify(c.address) : null, now, now).first<ClientRow>();
  if (!row) throw new Error("INSERT ... RETURNING gave no row");
  return toView(row);
}

/** Changes the given fields of a client (only those present). Null when there is no such client; throws on a taken email. */
export async function updateClient(db: D1Database, id: string, changes: ClientContactFields & ClientTermsFields, now: string): Promise<ClientView | null> {
  const entries = Object.entries(changes).filter(([, value]) => value !== undefined);
  if (entries.length === 0) return getClient(db, id);
  const sets = entries.map(([k]) => `${k} = ?`).join(", ");
  const values = entries.map(([k, value]) => (k === "address" && value !== null ? JSON.stringify(value) : value) as string | number | null);
  const row = await db.prepare(`UPDATE clients SET ${sets}, updated_at = ? WHERE client_id = ? RETURNING *`).bind(...values, now, id).first<ClientRow>();
  return row ? toView(row) : null;
}
