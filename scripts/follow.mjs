// Follows an actor's live events with partysocket:
//   node scripts/follow.mjs pipeline <pipeline id> --api-key <key>
//   node scripts/follow.mjs ledger <client id> --token <session token>
//   node scripts/follow.mjs pool <worker> --token <staff session token>
// Options: --host 127.0.0.1:8787, --since <seq>. Reconnects resume with since=<last seq seen>,
// so no event is missed or repeated. A pipeline follow ends at pipeline_finished.
import PartySocket from "partysocket";
import WS from "ws";

const PARTIES = { pipeline: "pipeline-actor", ledger: "client-ledger", pool: "resource-pool" };
const [kind, name, ...rest] = process.argv.slice(2);
/** @type {Record<string, string>} */
const opts = {};
for (let i = 0; i < rest.length; i += 2) opts[rest[i].replace(/^--/, "")] = rest[i + 1];
const party = PARTIES[/** @type {keyof typeof PARTIES} */ (kind)];
if (!party || !name) {
  console.error("usage: node scripts/follow.mjs pipeline|ledger|pool <name> [--api-key K | --token T] [--host H] [--since N]");
  process.exit(2);
}

let lastSeq = opts.since === undefined ? null : Number(opts.since);
// Credentials go in headers, never in the URL (Node's ws can set them; browsers use tickets).
/** @type {Record<string, string>} */
const headers = {
  ...(opts["api-key"] ? { "X-API-Key": opts["api-key"] } : {}),
  ...(opts.token ? { "x-bitware-session-token": opts.token } : {}),
};
class AuthenticatedWS extends WS {
  /** @param {string} url @param {string | string[] | undefined} protocols */
  constructor(url, protocols) {
    super(url, protocols, { headers });
  }
}
const socket = new PartySocket({
  host: opts.host ?? "127.0.0.1:8787",
  party,
  room: name,
  WebSocket: AuthenticatedWS,
  // Evaluated at every (re)connect: resume after the last event seen.
  query: () => (lastSeq !== null ? { since: String(lastSeq) } : {}),
});

socket.addEventListener("message", (event) => {
  const message = JSON.parse(String(event.data));
  lastSeq = message.seq;
  const p = message.payload;
  const detail = message.type === "snapshot" ? `status=${p.status ?? "-"}`
    : p.step_id ? `${p.step_id}#${p.attempt}${p.error ? ` ${p.error.code}` : ""}${p.position ? ` position=${p.position} eta=${p.eta_ms}ms` : ""}${p.total ? ` ${p.done}/${p.total}${p.message ? ` ${p.message}` : ""}` : ""}`
    : JSON.stringify(p).slice(0, 120);
  console.log(`${String(message.seq).padStart(5)}  ${new Date(message.at).toISOString()}  ${message.type.padEnd(22)} ${detail}`);
  if (message.type === "pipeline_finished") {
    console.log(`finished: ${p.status}${p.reason ? ` (${p.reason})` : ""}, cost ${p.cost_micros} micro-USD, ${p.bytes_through_actor} bytes through the actor for ${p.payload_bytes} bytes of payloads`);
    socket.close();
    process.exit(0);
  }
});
socket.addEventListener("close", (event) => {
  if (event.code === 1008 || event.code >= 4000) { console.error(`closed: ${event.code} ${event.reason}`); process.exit(1); }
});
socket.addEventListener("error", () => console.error("connection error; partysocket will retry"));
