import * as v from "valibot";

/** One problem with an input: the dotted field it is in and the rule it broke. */
export const FieldIssueSchema = v.object({ field: v.string(), rule: v.string(), message: v.string() });
export type FieldIssue = v.InferOutput<typeof FieldIssueSchema>;

/**
 * The one error envelope every route answers with: a stable code to branch on, a message that
 * says what to fix (for input, it starts with the field: `body.topic: is required`), optional
 * machine-readable details (for 422, `issues`: every field and rule), and the request id.
 */
export const ErrorEnvelopeSchema = v.object({
  error: v.object({
    code: v.pipe(v.string(), v.description("A stable code clients branch on (validation_failed, not_found, insufficient_budget, …).")),
    message: v.pipe(v.string(), v.description("What went wrong and how to fix it; for input, it starts with the field (`body.topic: is required`).")),
    details: v.optional(v.pipe(v.unknown(), v.description("Machine-readable facts; for 422, `issues`: every field and the rule it broke."))),
  }),
  request_id: v.pipe(v.string(), v.description("Quote it when reporting a problem; also in the X-Request-Id header.")),
});
export type ErrorEnvelope = v.InferOutput<typeof ErrorEnvelopeSchema>;
