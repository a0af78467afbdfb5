/**
 * `stub-model`: an OpenAI-compatible stand-in that answers every task a worker or the account desk
 * gives a model the way a competent model would, from what the prompt says, so the prompts and
 * their JSON Schemas are exercised end to end through the real SDK. It checks what a model needs:
 * the system message carries a parseable JSON Schema (else 400, as a strict server would), and the
 * prompt carries the material the task names (else it cannot answer). It knows the tasks by their
 * instructions' first words, as a model would read them.
 */

interface Message { role: string; content: string }

/** The answer to a chat completion, or an HTTP error a server would give. */
export type ModelReply = { status: 200; content: string } | { status: 400; error: string };

const firstSentence = (text: string) => (text.match(/^.*?[.!?](?=\s|$)/s)?.[0] ?? text).trim();
const sentencesOf = (text: string) => text.split(/(?<=[.!?])\s+(?=[A-Z0-9"“])/).map((s) => s.trim()).filter((s) => s.split(/\s+/).length >= 4);
const wordsOf = (text: string) => text.toLowerCase().match(/[a-z0-9]+/g) ?? [];

/** The JSON after `label` in a prompt (to its end). */
function jsonAfter<T>(prompt: string, label: string): T {
  const at = prompt.indexOf(label);
  if (at < 0) throw new Error(`the prompt has no '${label.trim()}'`);
  return JSON.parse(prompt.slice(at + label.length)) as T;
}

/** The value of a `Name: value` line of a prompt. */
function line(prompt: string, name: string): string {
  const m = new RegExp(`^${name}: (.*)$`, "m").exec(prompt);
  if (!m) throw new Error(`the prompt has no '${name}:' line`);
  return m[1]!.trim();
}

/** How much of the topic's words a text uses, 0..1. */
function overlapWith(topic: string, text: string): number {
  const want = new Set(wordsOf(topic).filter((w) => w.length > 2));
  const have = new Set(wordsOf(text));
  return want.size === 0 ? 0 : [...want].filter((w) => have.has(w) || have.has(`${w}s`) || (w.endsWith("s") && have.has(w.slice(0, -1)))).length / want.size;
}

function classify(prompt: string) {
  const topic = line(prompt, "Target topic");
  const points = Number(/\((\d+) key points per article\)/.exec(prompt)?.[1] ?? 3);
  const articles = jsonAfter<{ id: string; title: string; text: string }[]>(prompt, "Articles (answer one result per id):\n");
  return {
    results: articles.map((a) => ({
      id: a.id,
      relevance: Math.round(Math.min(1, 0.15 + 0.85 * overlapWith(topic, `${a.title} ${a.text}`)) * 100) / 100,
      quality: 0.72,
      summary: firstSentence(a.text),
      key_points: sentencesOf(a.text).slice(0, points),
    })),
  };
}

function report(prompt: string) {
  const sources = jsonAfter<{ n: number; title: string; summary: string; key_points: string[] }[]>(prompt, "Sources:\n");
  const pairs: { n: number; title: string }[][] = [];
  for (let i = 0; i < sources.length; i += 2) pairs.push(sources.slice(i, i + 2));
  return {
    executive_summary: `Across ${sources.length} sources, the lead development is this: ${sources[0]!.summary}`,
    key_insights: sources.slice(0, 6).map((s) => ({ text: s.key_points[0] ?? s.summary, citations: [s.n] })).filter((k, i, all) => all.findIndex((x) => x.text === k.text) === i && k.text !== sources[0]!.summary),
    themes: pairs.slice(0, 3).map((p, i) => ({
      name: `Theme ${i + 1}: ${p[0]!.title.split(/[:,]/)[0]!.split(/\s+/).slice(0, 4).join(" ")}`,
      summary: p.map((s) => s.title).join("; ") + ".",
      citations: p.map((s) => s.n),
    })),
  };
}

function outline(prompt: string) {
  const topic = line(prompt, "Topic");
  const type = line(prompt, "Structure type");
  const sources = prompt.includes("numbered sources") ? jsonAfter<{ n: number; title: string; summary: string; key_points: string[] }[]>(prompt, "cite them in each element's source_refs):\n") : [];
  const elements: Record<string, unknown>[] = [];
  const groups = sources.length > 0 ? [sources.slice(0, Math.ceil(sources.length / 2)), sources.slice(Math.ceil(sources.length / 2))].filter((g) => g.length > 0) : [[], []];
  groups.forEach((group, gi) => {
    const id = `e${elements.length + 1}`;
    elements.push({ id, parent_id: null, element_type: type === "course" ? "module" : "section", sequence_order: gi + 1, title: `Part ${gi + 1} of ${topic}`,
      content_outline: `What part ${gi + 1} covers.`, key_points: group.map((s) => s.title), target_word_count: 80, content_type: "introduction", generation_priority: "high",
      ...(group.length > 0 ? { source_refs: group.map((s) => s.n) } : {}) });
    (group.length > 0 ? group : [{ n: 0, title: `${topic}: the basics`, summary: `The basics of ${topic}.`, key_points: [] }]).forEach((s, li) => {
      elements.push({ id: `e${elements.length + 1}`, parent_id: id, element_type: "lesson", sequence_order: li + 1, title: s.title, content_outline: s.summary,
        key_points: s.key_points.slice(0, 3), target_word_count: 150, content_type: "instructional", generation_priority: li === 0 ? "high" : "medium",
        ...(s.n > 0 ? { source_refs: [s.n] } : {}) });
    });
  });
  return { title: `${topic}: a ${type.replace("_", " ")}`, elements };
}

function write(prompt: string) {
  const elements = jsonAfter<{ id: string; title: string; outline: string; key_points: string[]; sources: { n: number; text: string }[] }[]>(prompt, "Elements:\n");
  return {
    elements: elements.map((e) => ({
      id: e.id,
      body: [e.outline, ...e.sources.map((s) => `${sentencesOf(s.text).slice(0, 2).join(" ")} [${s.n}]`), ...(e.key_points.length > 0 ? [e.key_points.map((k) => `- ${k}`).join("\n")] : [])].join("\n\n"),
    })),
  };
}

function suggest(prompt: string, origin: string) {
  const topic = line(prompt, "Topic");
  return {
    candidates: [
      { url: `${origin}/demo/sites/solid-state-digest.html`, reasoning: `A news site on ${topic} that announces an RSS feed.` },
      { url: `${origin}/feeds/page`, reasoning: `A battery and grid news page with an Atom feed.` },
    ],
  };
}

function analyse(prompt: string) {
  const message = prompt.slice(prompt.indexOf("Client message:\n") + "Client message:\n".length).trim();
  const topic = /\b(?:on|about)\s+([a-z][a-z -]{2,60}?)(?:[.,!?]|$)/i.exec(message)?.[1]?.trim() ?? message.split(/\s+/).slice(0, 4).join(" ");
  const intent = /course|teach|training/i.test(message) ? "course" : /brief|summary/i.test(message) ? "brief" : /report|research|analysis/i.test(message) ? "research" : "information";
  return { cleaned: message, topic, intent, urgency: /urgent|asap/i.test(message) ? "high" : "medium", sentiment: 0.2, keywords: wordsOf(topic).slice(0, 8) };
}

function recommend(prompt: string) {
  const candidates = jsonAfter<{ template_name: string; keywords: string[] }[]>(prompt, "Candidate templates:\n");
  const request = prompt.slice(0, prompt.indexOf("Candidate templates:")).toLowerCase();
  const scored = candidates.map((c) => ({ c, hits: c.keywords.filter((k) => request.includes(k.toLowerCase())) })).sort((a, b) => b.hits.length - a.hits.length);
  const best = scored[0]!;
  return { template_name: best.c.template_name, confidence: best.hits.length > 0 ? 0.85 : 0.4, reasoning: `The request mentions ${best.hits.map((h) => `'${h}'`).join(", ") || "nothing specific"}, which points to ${best.c.template_name}.` };
}

const TASKS: [RegExp, (prompt: string, origin: string) => unknown][] = [
  [/^You are a research analyst/, classify],
  [/^You write intelligence reports/, report],
  [/^You design learning and content structures/, outline],
  [/^You write \S+/, write],
  [/^You find high-quality news/, suggest],
  [/^You are an account manager's assistant/, analyse],
  [/^You recommend the pipeline template/, recommend],
];

/** Answers one chat completion as the stub model. */
export function modelAnswer(messages: readonly Message[], origin: string): ModelReply {
  const system = messages.find((m) => m.role === "system")?.content ?? "";
  const prompt = messages.find((m) => m.role === "user")?.content ?? "";
  const schemaAt = system.indexOf("It must match this JSON Schema: ");
  if (schemaAt < 0) return { status: 400, error: "the system message names no JSON Schema for the answer" };
  try {
    JSON.parse(system.slice(schemaAt + "It must match this JSON Schema: ".length));
  } catch {
    return { status: 400, error: "the answer's JSON Schema is not valid JSON" };
  }
  const task = TASKS.find(([pattern]) => pattern.test(system));
  if (!task) return { status: 400, error: `no task reads like: ${system.slice(0, 80)}` };
  try {
    return { status: 200, content: JSON.stringify(task[1](prompt, origin)) };
  } catch (error) {
    return { status: 400, error: error instanceof Error ? error.message : String(error) };
  }
}
