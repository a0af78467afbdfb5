import { clientScope, type Principal } from "../auth";
import { AppError, notFound } from "../lib/errors";

/**
 * The client a call acts for. Client callers act for their own client and may omit client_id
 * or name it; naming another answers 404 like any object they cannot see. Staff and workers
 * must name one.
 */
export function actingClient(principal: Principal, given: string | undefined): string {
  const scope = clientScope(principal);
  if (scope === null) {
    if (!given) throw new AppError("validation_failed", "body.client_id: is required for staff and worker callers");
    return given;
  }
  if (given !== undefined && given !== scope) throw notFound("client", given);
  return scope;
}
