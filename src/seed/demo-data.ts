import type { Tier } from "../catalog/tiers";

/**
 * Local-development demo accounts. These credentials are public (README, start script output) and
 * exist only where the seed runs, which is never in production.
 */
export interface DemoClient {
  client_id: string; company_name: string; contact_email: string; contact_name: string; tier: Tier;
  monthly_budget_micros: number; industry: string;
  user: { user_id: string; email: string; password: string; full_name: string };
  api_key: { key_id: string; key: string; name: string };
}

/** Staff accounts: one admin, one support. */
export const DemoStaff = [
  { user_id: "usr_demo_admin", email: "admin@ai-factory.local", password: "admin-demo-password", full_name: "Ada Admin", role: "admin" },
  { user_id: "usr_demo_support", email: "support@ai-factory.local", password: "support-demo-password", full_name: "Sam Support", role: "support" },
] as const;

/** One demo client per tier, each with a user and an API key. */
export const DemoClients: readonly DemoClient[] = [
  {
    client_id: "client_demo_basic", company_name: "Basil & Brine Bakery", contact_email: "owner@basil-brine.example",
    contact_name: "Bea Baker", tier: "basic", monthly_budget_micros: 25_000_000, industry: "food",
    user: { user_id: "usr_demo_basic", email: "basic@demo.ai-factory.local", password: "basic-demo-password", full_name: "Bea Baker" },
    api_key: { key_id: "key_demo_basic", name: "demo basic key", key: "aif_demobasic0_Bq7RkT2mXw9LpV4sNc8dYh3JfG6aZe1U" },
  },
  {
    client_id: "client_demo_standard", company_name: "Stratus Logistics", contact_email: "ops@stratus-logistics.example",
    contact_name: "Stan Stratus", tier: "standard", monthly_budget_micros: 100_000_000, industry: "logistics",
    user: { user_id: "usr_demo_standard", email: "standard@demo.ai-factory.local", password: "standard-demo-password", full_name: "Stan Stratus" },
    api_key: { key_id: "key_demo_standard", name: "demo standard key", key: "aif_demostand0_Kp4WnX8cRt2YqL6vBm9sHd3FzJ7gTa5E" },
  },
  {
    client_id: "client_demo_premium", company_name: "Photon Energy Research", contact_email: "research@photon-energy.example",
    contact_name: "Priya Photon", tier: "premium", monthly_budget_micros: 500_000_000, industry: "energy",
    user: { user_id: "usr_demo_premium", email: "premium@demo.ai-factory.local", password: "premium-demo-password", full_name: "Priya Photon" },
    api_key: { key_id: "key_demo_premium", name: "demo premium key", key: "aif_demoprem00_Vx3NqM7bLk1RzS5wPc9tGf2HjD8yUe4A" },
  },
  {
    client_id: "client_demo_enterprise", company_name: "Everest Industrial Group", contact_email: "cto@everest-industrial.example",
    contact_name: "Eli Everest", tier: "enterprise", monthly_budget_micros: 5_000_000_000, industry: "manufacturing",
    user: { user_id: "usr_demo_enterprise", email: "enterprise@demo.ai-factory.local", password: "enterprise-demo-password", full_name: "Eli Everest" },
    api_key: { key_id: "key_demo_enterprise", name: "demo enterprise key", key: "aif_demoentr00_Hs6TcW1nYp8KvQ3xMb7rLd5GzF2jNa9B" },
  },
];

/** A feed of the local demo catalog, served from public/demo/feeds/. */
export interface DemoFeed { file: string; title: string; description: string; topics: string[]; quality: number; format: "rss2" | "atom" | "rss1" }

/** The RSS librarian's demo catalog; URLs are made absolute against the local stack's origin. */
export const DemoFeeds: readonly DemoFeed[] = [
  { file: "energy-storage.xml", title: "Grid & Storage Weekly", format: "rss2", quality: 0.86,
    description: "Battery chemistry, grid storage and electric-vehicle supply chains.",
    topics: ["batteries", "solid-state batteries", "energy storage", "lithium", "electric vehicles", "grid"] },
  { file: "battery-lab.atom", title: "Battery Lab Notes", format: "atom", quality: 0.8,
    description: "Research notes from battery materials labs.",
    topics: ["batteries", "solid-state batteries", "electrolytes", "materials science", "energy storage"] },
  { file: "ai-research.atom", title: "Applied AI Digest", format: "atom", quality: 0.82,
    description: "Machine learning research and deployment.",
    topics: ["artificial intelligence", "machine learning", "language models", "ai safety"] },
  { file: "climate-policy.rdf", title: "Climate Policy Review", format: "rss1", quality: 0.74,
    description: "Climate policy, carbon markets and adaptation.",
    topics: ["climate", "carbon markets", "policy", "renewables", "energy storage"] },
  { file: "rust-systems.xml", title: "Systems Programming Journal", format: "rss2", quality: 0.78,
    description: "Rust, memory safety and systems programming.",
    topics: ["rust", "programming", "memory safety", "systems programming", "webassembly"] },
];
