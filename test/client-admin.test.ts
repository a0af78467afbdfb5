import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { apiKeyHeaders, call, demoClient, login, seed, sessionHeaders } from "./helpers";

beforeAll(async () => { await seed(); });

describe("client management (seed: POST /clients, PUT /client, users per client)", () => {
  it("lets an admin create a client, refuses a taken email (409) and anyone else (403)", async () => {
    const admin = await sessionHeaders("admin");
    const body = { company_name: "Tidal Analytics", contact_email: `ops-${Date.now()}@tidal.example`, subscription_tier: "premium", monthly_budget_usd: 250.5, company_size: "11-50", address: { city: "Bristol", country: "GB" } };
    const created = await call("POST", "/clients", { headers: admin, body });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.client).toMatchObject({ company_name: "Tidal Analytics", subscription_tier: "premium", account_status: "active", monthly_budget_usd: 250.5, monthly_budget_micros: 250_500_000, address: { city: "Bristol", country: "GB" } });
    expect(created.headers.get("Location")).toBe(`/client/${created.body.client.client_id}`);
    const ledger = await env.ClientLedger.getByName(created.body.client.client_id).balance();
    expect(ledger.budget).toBe(250_500_000);
    expect((await call("POST", "/clients", { headers: admin, body: { ...body, contact_email: body.contact_email.toUpperCase() } })).status).toBe(409);
    expect((await call("POST", "/clients", { headers: await sessionHeaders("support"), body })).status).toBe(403);
    expect((await call("POST", "/clients", { headers: apiKeyHeaders("enterprise"), body })).status).toBe(403);
    const bad = await call("POST", "/clients", { headers: admin, body: { ...body, contact_email: "not-an-email", monthly_budget_usd: -1 } });
    expect(bad.status).toBe(422);
    expect(bad.body.error.details.issues.map((i: { field: string }) => i.field)).toEqual(expect.arrayContaining(["body.contact_email", "body.monthly_budget_usd"]));
  });

  it("lets a client's users change their contact details, not their terms; an admin's new budget reaches the ledger", async () => {
    const own = await sessionHeaders("standard");
    const clientId = demoClient("standard").client_id;
    const contact = await call("PUT", "/client", { headers: own, body: { contact_name: "Grace Hopper", phone: "+44 20 7946 0000", website: "https://grid.example" } });
    expect(contact.status, JSON.stringify(contact.body)).toBe(200);
    expect(contact.body.client).toMatchObject({ client_id: clientId, contact_name: "Grace Hopper", website: "https://grid.example" });
    const tier = await call("PUT", "/client", { headers: own, body: { subscription_tier: "enterprise" } });
    expect(tier.status).toBe(403);
    expect((await call("PUT", "/client", { headers: own, body: { client_id: demoClient("premium").client_id, contact_name: "x" } })).status).toBe(404);
    const admin = await sessionHeaders("admin");
    const budget = await call("PUT", "/client", { headers: admin, body: { client_id: clientId, monthly_budget_usd: 150 } });
    expect(budget.status).toBe(200);
    expect(budget.body.client.monthly_budget_micros).toBe(150_000_000);
    expect((await env.ClientLedger.getByName(clientId).balance()).budget).toBe(150_000_000);
    expect((await call("PUT", "/client", { headers: admin, body: { monthly_budget_usd: 1 } })).status).toBe(422);
  });

  it("adds users to a client who can then sign in and see only their client", async () => {
    const admin = await sessionHeaders("admin");
    const clientId = demoClient("basic").client_id;
    const email = `analyst-${Date.now()}@basic.example`;
    const added = await call("POST", `/client/${clientId}/users`, { headers: admin, body: { email, full_name: "Ada Analyst", password: "a-long-password-1" } });
    expect(added.status, JSON.stringify(added.body)).toBe(201);
    expect((await call("POST", `/client/${clientId}/users`, { headers: admin, body: { email, full_name: "Again", password: "a-long-password-1" } })).status).toBe(409);
    const token = await login(email, "a-long-password-1", "198.51.100.23");
    const me = { "x-bitware-session-token": token };
    expect((await call("GET", `/client/${clientId}`, { headers: me })).status).toBe(200);
    expect((await call("GET", `/client/${demoClient("premium").client_id}`, { headers: me })).status).toBe(404);
    const users = await call("GET", `/client/${clientId}/users`, { headers: me });
    expect(users.body.users.map((u: { email: string }) => u.email)).toContain(email);
    expect(JSON.stringify(users.body)).not.toContain("pbkdf2");
    // An API key cannot add users (a leaked key must not create logins).
    expect((await call("POST", `/client/${clientId}/users`, { headers: apiKeyHeaders("basic"), body: { email: `k-${email}`, full_name: "K", password: "a-long-password-1" } })).status).toBe(403);
  });
});
