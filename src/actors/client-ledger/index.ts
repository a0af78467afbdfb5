export { ClientLedger, type LedgerResult, type LedgerRejection } from "./client-ledger";
export type { LedgerAnswer, LedgerCommand } from "./ledger";
