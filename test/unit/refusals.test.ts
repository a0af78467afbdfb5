import { describe, expect, it } from "vitest";
import { RefusalCodes, type RefusalCode } from "../../src/actors/refusals";
import { ErrorCode } from "../../src/lib/errors";
import { REFUSAL_HTTP, refusalError } from "../../src/router/refusals";

describe("actor refusals over HTTP", () => {
  it("maps every refusal code to a 4xx, never a 5xx", () => {
    for (const code of Object.keys(RefusalCodes) as RefusalCode[]) {
      const status = ErrorCode[REFUSAL_HTTP[code]];
      expect(status, code).toBeGreaterThanOrEqual(400);
      expect(status, code).toBeLessThan(500);
    }
  });

  it("answers a pipeline's refusals 404 and 409, and a ledger's 422 naming the field", () => {
    expect(refusalError({ code: "not_found", message: "pipeline 'p' was not found" })).toMatchObject({ status: 404, code: "not_found" });
    expect(refusalError({ code: "illegal_transition", message: "the pipeline already ended" })).toMatchObject({ status: 409, code: "conflict", message: "the pipeline already ended" });
    expect(refusalError({ code: "adjustment_out_of_range", message: "must be within ±$10,000" }, { field: "body.amount_usd" }))
      .toMatchObject({ status: 422, code: "validation_failed", message: "body.amount_usd: must be within ±$10,000" });
    expect(refusalError({ code: "idempotency_conflict", message: "key reused" }, { field: "body.amount_usd" })).toMatchObject({ status: 409, message: "key reused" });
  });
});
