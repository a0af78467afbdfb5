/**
 * Where a command's output goes and in what form: tables and sentences for people (`-o table`,
 * the default), one JSON document (`-o json`), or JSON lines (`-o jsonl`: a list's items, or a
 * run's live events). Colour and redrawing only on a terminal, and never with NO_COLOR set.
 */
import Table from "cli-table3";
import pc from "picocolors";

/** The output formats (`-o`). */
export const Formats = ["table", "json", "jsonl"] as const;
/** One output format. */
export type Format = (typeof Formats)[number];
/** picocolors' functions, switched on or off. */
export type Colors = ReturnType<typeof pc.createColors>;

const BORDERLESS = {
  top: "", "top-mid": "", "top-left": "", "top-right": "", bottom: "", "bottom-mid": "", "bottom-left": "", "bottom-right": "",
  left: "", "left-mid": "", mid: "", "mid-mid": "", right: "", "right-mid": "", middle: "",
};

/** What a command writes to. */
export class Output {
  /** True on a terminal that may be redrawn and coloured (stdout a TTY, NO_COLOR unset, TERM not dumb). */
  readonly rich: boolean;
  readonly c: Colors;

  constructor(readonly format: Format, readonly stdout: NodeJS.WriteStream = process.stdout, env: NodeJS.ProcessEnv = process.env) {
    this.rich = Boolean(stdout.isTTY) && !("NO_COLOR" in env && env.NO_COLOR !== "") && env.TERM !== "dumb";
    this.c = pc.createColors(this.rich);
  }

  /** True when people read the output (not json or jsonl). */
  get human(): boolean {
    return this.format === "table";
  }

  /** A line on stdout. */
  line(text = ""): void {
    this.stdout.write(`${text}\n`);
  }

  /** A line on stderr (notes that must not mix with a JSON document). */
  note(text: string): void {
    process.stderr.write(`${text}\n`);
  }

  /** One document: pretty JSON for -o json, one line for -o jsonl. */
  json(document: unknown): void {
    this.line(this.format === "json" ? JSON.stringify(document, null, 2) : JSON.stringify(document));
  }

  /**
   * A command's answer: for people `human()` writes it; -o json prints the document, -o jsonl
   * each of `items` (or the document) on a line.
   */
  emit(document: unknown, human: () => void, items?: readonly unknown[]): void {
    if (this.format === "table") human();
    else if (this.format === "jsonl" && items) for (const item of items) this.json(item);
    else this.json(document);
  }

  /** A table with a header row (capitals, no borders: easy to read and to grep); cells are text. */
  table(head: readonly string[], rows: readonly (readonly (string | number)[])[], align: readonly ("left" | "right")[] = []): void {
    if (rows.length === 0) {
      this.line(this.c.dim("(none)"));
      return;
    }
    const table = new Table({
      head: head.map((h) => this.c.bold(h.toUpperCase())),
      chars: BORDERLESS,
      style: { head: [], border: [], "padding-left": 0, "padding-right": 2 },
      colAligns: head.map((_, i) => align[i] ?? "left"),
      wordWrap: false,
    });
    for (const row of rows) table.push(row.map(String));
    // cli-table3 pads the last column too: no trailing blanks.
    this.line(table.toString().split("\n").map((l) => l.trimEnd()).join("\n"));
  }

  /** `label  value` pairs, aligned. */
  fields(pairs: readonly (readonly [string, string | number | null | undefined])[]): void {
    const width = Math.max(...pairs.map(([label]) => label.length));
    for (const [label, value] of pairs) this.line(`${this.c.dim(label.padEnd(width))}  ${value ?? "-"}`);
  }
}
