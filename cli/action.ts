/**
 * A command's action, loaded only when that command runs (so `aif --help` and light commands
 * start fast): the module is imported, the context built from the global options, and the
 * handler's result becomes the exit status.
 */
import type { Command } from "commander";
import type { Context, GlobalOptions } from "./context";

/** A command's implementation: the context, the positional arguments and the command's own options. */
export type Handler<O> = (ctx: Context, args: string[], options: O) => Promise<number | void>;

/** Commander's action for a handler loaded on demand. */
export function lazy<O>(load: () => Promise<Handler<O>>): (...args: unknown[]) => Promise<void> {
  return async (...args: unknown[]) => {
    const command = args[args.length - 1] as Command;
    const positional = args.slice(0, -2).flatMap((a) => (Array.isArray(a) ? a.map(String) : a === undefined ? [] : [String(a)]));
    const [{ contextFrom }, handler] = await Promise.all([import("./context"), load()]);
    const context = contextFrom(command.optsWithGlobals<GlobalOptions>());
    const code = await handler(context, positional, command.opts<O & Record<string, unknown>>());
    process.exitCode = code ?? 0;
  };
}
