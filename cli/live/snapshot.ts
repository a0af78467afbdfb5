/** An actor's state now: the snapshot its socket sends a new subscriber, then the socket closes. */
import * as v from "valibot";
import { parseLiveMessage, type LiveEventOf, type Party } from "../../src/actors/protocol";
import { CliError } from "../errors";
import { issueSummary, type Api } from "../http";
import { LiveSocket } from "./socket";

type SnapshotOf<P extends Party> = Extract<LiveEventOf<P>, { type: "snapshot" }>["payload"];

/** The first snapshot of `party/name` (a few tries if the connection drops; a refusal fails at once). */
export async function snapshotOf<P extends Party>(api: Api, party: P, name: string): Promise<SnapshotOf<P>> {
  let snapshot: SnapshotOf<P> | null = null;
  const socket: LiveSocket = new LiveSocket({
    api, path: `/parties/${party}/${encodeURIComponent(name)}`, since: () => null, snapshot: false, maxRetries: 3,
    onFrame: (frame) => {
      if ((frame as { type?: unknown } | null)?.type !== "snapshot") return;
      try {
        snapshot = parseLiveMessage(party, frame).payload as SnapshotOf<P>;
      } catch (error) {
        throw new CliError(`the ${party} snapshot is not what this aif expects (${v.isValiError(error) ? issueSummary(error.issues) : (error as Error).message})`,
          "the server and the CLI may be different versions; update the one that is behind");
      }
      socket.close();
    },
  });
  await socket.run();
  if (snapshot === null) throw new CliError(`${party} '${name}' sent no snapshot`);
  return snapshot;
}
