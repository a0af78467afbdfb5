/** Asking the person at the terminal: a line, or a secret that is not echoed. */
import { createInterface } from "node:readline";
import { Writable } from "node:stream";
import { CliError } from "./errors";

/** True when there is a person to ask (stdin and stderr are terminals). */
export function canAsk(): boolean {
  return Boolean(process.stdin.isTTY && process.stderr.isTTY);
}

/** Asks a question on stderr and reads one line; `secret` hides what is typed. */
export async function ask(question: string, secret: boolean, instead: string): Promise<string> {
  if (!canAsk()) throw new CliError(`no terminal to ask for ${question.replace(/[:\s]+$/, "")}`, instead);
  let muted = false;
  const output = new Writable({
    write(chunk: Buffer, _encoding, done) {
      if (!muted) process.stderr.write(chunk);
      done();
    },
  });
  const rl = createInterface({ input: process.stdin, output, terminal: true });
  try {
    return await new Promise<string>((resolve, reject) => {
      rl.question(question, (answer) => resolve(answer));
      rl.once("SIGINT", () => reject(new CliError("cancelled", null, 130)));
      muted = secret;
    });
  } finally {
    rl.close();
    if (secret) process.stderr.write("\n");
  }
}

/** Everything on stdin, without the final line break (for --password-stdin). */
export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString("utf8").replace(/\r?\n$/, "");
}
