import type { Element, Priority, Structure, StructureType } from "../structure";

/**
 * The offline engine's outlines: a deterministic structure per type, sized by granularity
 * (1 = an outline, 5 = fine-grained), with titles built from the topic, outlines, key points,
 * word targets and priorities. A model does this better; this makes sensible, complete
 * structures with no network.
 */

/** Word targets per element type at granularity 3 (scaled by granularity). */
const WORDS: Record<string, number> = {
  module: 150, lesson: 450, question: 90, chapter: 200, scene: 700, step: 160, concept: 130, relation: 60, milestone: 180, activity: 220,
};

const COURSE_MODULES = ["Foundations", "Core concepts", "Methods and tools", "In practice", "Pitfalls and trade-offs", "Advanced topics"];
const LESSONS = ["Key ideas", "A worked example", "Hands-on exercise", "Common mistakes", "Review and self-check"];
const QUIZ_ASPECTS = ["definitions", "core principles", "history", "applications", "trade-offs", "common misconceptions", "tools", "case analysis", "terminology", "future directions", "best practices"];
const NOVEL_ARCS = ["The setup", "The inciting incident", "Rising stakes", "The turning point", "The crisis", "The climax", "The resolution"];
const WORKFLOW_STEPS = ["Define the goal", "Gather inputs", "Prepare the environment", "Carry out the core task", "Check the results", "Handle exceptions", "Document and hand over", "Review and improve"];
const CONCEPTS = ["Definition", "Origins", "Key components", "How it works", "Benefits", "Limitations", "Related fields", "Measurement", "Open questions", "Practical uses", "Terminology", "Examples", "Misconceptions"];
const MILESTONES = ["Orientation", "Fundamentals", "Guided practice", "Independent project", "Specialisation", "Mastery"];

const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** Builds elements in order, numbering ids e1, e2, ... */
class Builder {
  readonly elements: Element[] = [];
  private readonly order = new Map<string | null, number>();

  constructor(private readonly scale: number) {}

  add(parent: string | null, type: string, title: string, outline: string, keyPoints: string[], priority: Priority, contentType: string): string {
    const id = `e${this.elements.length + 1}`;
    const n = (this.order.get(parent) ?? 0) + 1;
    this.order.set(parent, n);
    this.elements.push({
      id, parent_id: parent, element_type: type, sequence_order: n, title: title.slice(0, 200), content_outline: outline.slice(0, 1_000),
      key_points: keyPoints, target_word_count: Math.max(10, Math.round((WORDS[type] ?? 150) * this.scale)), content_type: contentType, generation_priority: priority,
    });
    return id;
  }
}

/** A structure of `type` on `topic`, with `granularity` 1..5. */
export function outline(topic: string, type: StructureType, granularity: number, audience: string): Structure {
  const g = Math.min(5, Math.max(1, Math.round(granularity)));
  const b = new Builder(0.6 + 0.15 * g);
  const t = topic.trim();
  const who = audience === "general" ? "a general audience" : audience;
  switch (type) {
    case "course":
      COURSE_MODULES.slice(0, g + 1).forEach((m, i) => {
        const mod = b.add(null, "module", `${m} of ${t}`, `Introduces ${m.toLowerCase()} of ${t} for ${who} and sets out what the module's lessons cover.`,
          [`what ${m.toLowerCase()} means for ${t}`, `why it matters to ${who}`], i < 2 ? "high" : "medium", "introduction");
        LESSONS.slice(0, Math.max(2, g)).forEach((l, j) => {
          b.add(mod, "lesson", `${m}: ${l.toLowerCase()}`, `${l} on ${m.toLowerCase()} of ${t}.`,
            [`${l.toLowerCase()} in ${t}`, `how ${m.toLowerCase()} applies`, `a check of understanding`], j === 0 ? "high" : j < 3 ? "medium" : "low", j === 2 ? "exercise" : "instructional");
        });
      });
      break;
    case "quiz":
      QUIZ_ASPECTS.slice(0, 3 + 2 * g).forEach((a, i) => {
        b.add(null, "question", `Question ${i + 1}: ${cap(a)} of ${t}`, `A multiple-choice question on the ${a} of ${t}, with four options, the answer and a short explanation.`,
          [`tests ${a}`, "one correct option", "explain why"], i < 3 ? "high" : "medium", "assessment");
      });
      break;
    case "novel":
      NOVEL_ARCS.slice(0, Math.min(NOVEL_ARCS.length, 2 + g)).forEach((arc, i) => {
        const ch = b.add(null, "chapter", `Chapter ${i + 1}: ${arc}`, `${arc} of a story set in the world of ${t}.`, [`advance the plot`, `develop the protagonist`], "high", "narrative");
        for (let s = 1; s <= 2; s++) b.add(ch, "scene", `${arc}, scene ${s}`, `Scene ${s} of ${arc.toLowerCase()}: ${s === 1 ? "tension builds" : "a consequence lands"}.`, ["setting", "dialogue", "a change"], s === 1 ? "high" : "medium", "narrative");
      });
      break;
    case "workflow":
      WORKFLOW_STEPS.slice(0, 3 + g).forEach((st, i) => {
        b.add(null, "step", `Step ${i + 1}: ${st}`, `${st} when working on ${t}: inputs, actions, outputs and checks.`, ["inputs", "actions", "done when"], i < 4 ? "high" : "medium", "procedural");
      });
      break;
    case "knowledge_map": {
      const root = b.add(null, "concept", cap(t), `The central concept: what ${t} is.`, ["definition", "scope"], "high", "explanatory");
      CONCEPTS.slice(0, 3 + 2 * g).forEach((c, i) => {
        const node = b.add(root, "concept", `${c} of ${t}`, `${c} of ${t} and how it connects to the rest of the map.`, [c.toLowerCase(), "links to related concepts"], i < 4 ? "high" : "medium", "explanatory");
        if (g >= 4 && i < 3) b.add(node, "relation", `${c} and ${CONCEPTS[(i + 3) % CONCEPTS.length]!.toLowerCase()}`, `How ${c.toLowerCase()} relates to ${CONCEPTS[(i + 3) % CONCEPTS.length]!.toLowerCase()}.`, ["relationship"], "low", "relational");
      });
      break;
    }
    case "learning_path":
      MILESTONES.slice(0, Math.min(MILESTONES.length, 2 + g)).forEach((m, i) => {
        const ms = b.add(null, "milestone", `Milestone ${i + 1}: ${m}`, `${m} on the way to competence in ${t}; what the learner can do afterwards.`, ["outcome", "evidence of progress"], i < 3 ? "high" : "medium", "guidance");
        b.add(ms, "activity", `${m}: study`, `Reading and watching for ${m.toLowerCase()} in ${t}.`, ["resources", "time needed"], "medium", "instructional");
        b.add(ms, "activity", `${m}: practice`, `A practical task for ${m.toLowerCase()} in ${t}.`, ["task", "success criteria"], i < 2 ? "high" : "low", "exercise");
      });
      break;
  }
  const titles: Record<StructureType, string> = {
    course: `${cap(t)}: a course`, quiz: `${cap(t)}: a quiz`, novel: `A novel of ${t}`, workflow: `${cap(t)}: a workflow`,
    knowledge_map: `${cap(t)}: a knowledge map`, learning_path: `${cap(t)}: a learning path`,
  };
  return { title: titles[type], topic: t, structure_type: type, audience, elements: b.elements };
}
