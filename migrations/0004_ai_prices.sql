-- AI model prices: micro-USD per million tokens, per provider and model; '*' is a provider's
-- default for models without their own row. Editable by an admin (PUT /admin/ai/prices/...).
CREATE TABLE ai_model_prices (
  provider               TEXT NOT NULL CHECK (provider IN ('openai', 'workers-ai', 'offline')),
  model                  TEXT NOT NULL CHECK (length(model) BETWEEN 1 AND 200),
  input_micros_per_mtok  INTEGER NOT NULL CHECK (input_micros_per_mtok BETWEEN 0 AND 1000000000),
  output_micros_per_mtok INTEGER NOT NULL CHECK (output_micros_per_mtok BETWEEN 0 AND 1000000000),
  updated_at             TEXT NOT NULL,
  updated_by             TEXT,
  PRIMARY KEY (provider, model)
) STRICT;

-- List prices at the time of writing (USD per million tokens: gpt-4o-mini 0.15 / 0.60,
-- gpt-4o 2.50 / 10.00, gpt-4.1-mini 0.40 / 1.60). The offline engine is priced like a small
-- model so budgets and reports exercise the same arithmetic locally as in production.
INSERT INTO ai_model_prices (provider, model, input_micros_per_mtok, output_micros_per_mtok, updated_at) VALUES
  ('offline',    'offline-extractive-v1',            100000,   400000, '2026-11-21T00:00:00.000Z'),
  ('openai',     'gpt-4o-mini',                      150000,   600000, '2026-11-21T00:00:00.000Z'),
  ('openai',     'gpt-4o',                          2500000, 10000000, '2026-11-21T00:00:00.000Z'),
  ('openai',     'gpt-4.1-mini',                     400000,  1600000, '2026-11-21T00:00:00.000Z'),
  ('openai',     '*',                                150000,   600000, '2026-11-21T00:00:00.000Z'),
  ('workers-ai', '@cf/meta/llama-3.1-8b-instruct',   282000,   827000, '2026-11-21T00:00:00.000Z'),
  ('workers-ai', '*',                                282000,   827000, '2026-11-21T00:00:00.000Z');
