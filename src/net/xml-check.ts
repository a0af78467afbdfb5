import { Parser } from "htmlparser2";

/**
 * The first thing that makes a document malformed XML that a tolerant feed parser would paper
 * over: an element never closed (by its own end tag or `/>`), so a feed cut short or with an
 * unclosed `<item>` is reported as failed instead of read as a feed of nothing. Null when every
 * element is closed. CDATA and comments are skipped, as XML says.
 */
export function xmlProblem(text: string): string | null {
  let problem: string | null = null;
  const parser = new Parser({
    onclosetag(name, implied) {
      if (!implied || problem !== null) return;
      // A self-closing tag (<link/>) is also closed "implied": only one closed by another's end, or by the document's, is malformed.
      if (text.slice(parser.startIndex, parser.endIndex + 1).endsWith("/>")) return;
      problem = `<${name}> is never closed (${parser.startIndex >= text.length - 1 ? "the document ends first" : `line ${lineOf(text, parser.startIndex)}`})`;
    },
  }, { xmlMode: true, recognizeSelfClosing: true });
  parser.write(text);
  parser.end();
  return problem;
}

function lineOf(text: string, index: number): number {
  let line = 1;
  for (let i = 0; i < index && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}
