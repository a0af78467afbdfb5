export { ClientLedger } from "./client-ledger";
