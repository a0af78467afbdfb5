/**
 * The API's types, inferred from the server's own valibot schemas (never copied by hand).
 * Add a schema to src/contracts/ (and use it on the server) before typing a new answer here.
 */
import type * as v from "valibot";
import type { LedgerSnapshotSchema } from "../../../src/actors/client-ledger/protocol";
import type { PipelineSummary } from "../../../src/actors/pipeline/protocol";

export type { LiveEventOf, Party } from "../../../src/actors/protocol";
export type { PipelineStatus, StepStatus } from "../../../src/actors/pipeline/statuses";
export type { IssuedTicket } from "../../../src/contracts/live";
export type { PipelineSummary };
export type PipelineStep = PipelineSummary["steps"][number];
export type LedgerBalance = v.InferOutput<typeof LedgerSnapshotSchema>;
