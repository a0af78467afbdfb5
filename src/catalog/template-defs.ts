import type { Tier } from "./tiers";

/** When a step runs: compares a value found at `path` in the pipeline context. */
export interface StepCondition { path: string; op: "lt" | "lte" | "gt" | "gte" | "eq" | "ne" | "exists"; value?: unknown }

/** One step of a template's DAG (a row of `pipeline_steps`). */
export interface StepDef {
  step_id: string;
  worker_name: string;
  depends_on: string[];
  /** Worker input field -> path: `$.inputs.topic`, `$.steps.librarian.sources[*].url`. */
  input_mapping: Record<string, string>;
  /** Pipeline context key -> path into this step's output. */
  output_mapping: Record<string, string>;
  condition: StepCondition | null;
  fallback_workers: string[];
  is_optional: boolean;
  timeout_ms: number | null;
  retry_policy: { max_attempts: number; base_ms: number; cap_ms: number } | null;
}

/** A parameter a client may (by tier) see or set (a row of `template_parameters`). */
export interface ParameterDef {
  parameter_name: string;
  display_name: string;
  description: string;
  parameter_type: "text" | "number" | "select" | "boolean" | "file" | "array" | "object";
  is_required: boolean;
  default_value: unknown;
  options: unknown[] | null;
  validation_rules: Record<string, unknown>;
  available_tiers: Tier[];
  editable_tiers: Tier[];
}

/** A built-in pipeline template. */
export interface TemplateDef {
  name: string;
  display_name: string;
  description: string;
  category: string;
  complexity_level: "simple" | "moderate" | "advanced";
  allowed_tiers: Tier[];
  keyword_triggers: string[];
  estimated_duration_ms: number;
  estimated_cost_micros: number;
  steps: StepDef[];
  parameters: ParameterDef[];
}

const ALL: Tier[] = ["basic", "standard", "premium", "enterprise"];
const STANDARD_UP: Tier[] = ["standard", "premium", "enterprise"];
const PREMIUM_UP: Tier[] = ["premium", "enterprise"];

function step(partial: Partial<StepDef> & Pick<StepDef, "step_id" | "worker_name">): StepDef {
  return {
    depends_on: [], input_mapping: {}, output_mapping: {}, condition: null, fallback_workers: [],
    is_optional: false, timeout_ms: null, retry_policy: null, ...partial,
  };
}

const topicParam: ParameterDef = {
  parameter_name: "topic", display_name: "Topic", description: "What the pipeline is about.",
  parameter_type: "text", is_required: true, default_value: null, options: null,
  validation_rules: { min_length: 3, max_length: 200 }, available_tiers: ALL, editable_tiers: ALL,
};

/** Steps shared by the research templates: curate, maybe discover, fetch, classify, report. */
function researchSteps(reportStyle: string): StepDef[] {
  return [
    step({
      step_id: "librarian", worker_name: "rss-librarian",
      input_mapping: { topic: "$.inputs.topic", max_feeds: "$.inputs.max_feeds" },
      output_mapping: { sources: "sources" },
    }),
    step({
      step_id: "researcher", worker_name: "topic-researcher", depends_on: ["librarian"],
      // The seed's rule: run topic discovery only when the librarian found too few sources. With
      // none from the catalog and none discovered, nothing covers the topic: the researcher fails
      // (no_coverage) and the run stops here, before the fetch and classify steps are charged.
      condition: { path: "$.steps.librarian.sources_count", op: "lt", value: 3 },
      input_mapping: { topic: "$.inputs.topic", depth: "$.inputs.source_discovery_depth", min_quality: "$.inputs.min_quality", known_sources: "$.steps.librarian.sources_count" },
      output_mapping: { discovered_sources: "sources" },
    }),
    step({
      step_id: "fetcher", worker_name: "feed-fetcher", depends_on: ["librarian", "researcher"],
      input_mapping: {
        feed_urls: "$.steps.librarian.sources[*].url,$.steps.researcher.sources[*].url",
        max_articles_per_feed: "$.inputs.max_articles_per_feed",
      },
      output_mapping: { articles: "articles" },
      retry_policy: { max_attempts: 3, base_ms: 500, cap_ms: 10_000 },
    }),
    step({
      step_id: "classifier", worker_name: "content-classifier", depends_on: ["fetcher"],
      input_mapping: { articles: "$.steps.fetcher.articles", target_topic: "$.inputs.topic", analysis_depth: "$.inputs.analysis_depth" },
      output_mapping: { analyzed_articles: "analyzed_articles" },
    }),
    step({
      step_id: "report", worker_name: "report-builder", depends_on: ["classifier"],
      input_mapping: { analyzed_articles: "$.steps.classifier.analyzed_articles", topic: "$.inputs.topic", report_style: `=${reportStyle}`, costs: "$.costs" },
      output_mapping: { report: "report" },
    }),
  ];
}

/**
 * A five-step DAG on the scripted worker, for exercising the runtime before the real workers
 * exist (installed by the development seed only, never in production).
 */
export const RuntimeDemoTemplate: TemplateDef = {
  name: "runtime_demo", display_name: "Runtime demo", category: "diagnostics", complexity_level: "simple",
  description: "Five scripted steps (collect, then analyse and enrich in parallel, then compose and deliver) that exercise holds, capacity, checkpoints and progress events.",
  allowed_tiers: ALL, keyword_triggers: ["demo", "test"], estimated_duration_ms: 1_000, estimated_cost_micros: 5_000,
  steps: ["collect", "analyse", "enrich", "compose", "deliver"].map((id, i) => step({
    step_id: id, worker_name: "scripted",
    depends_on: i === 0 ? [] : i === 1 || i === 2 ? ["collect"] : i === 3 ? ["analyse", "enrich"] : ["compose"],
    input_mapping: { script: `$.inputs.scripts.${id}`, topic: "$.inputs.topic" },
    output_mapping: { [`${id}_runs`]: "runs" },
    retry_policy: { max_attempts: 3, base_ms: 50, cap_ms: 500 },
  })),
  parameters: [
    topicParam,
    { parameter_name: "scripts", display_name: "Step scripts", description: "Per step: how the scripted worker behaves (succeed, fail_times, fail, retry_after, hang).",
      parameter_type: "object", is_required: false, default_value: null, options: null,
      validation_rules: { max_keys: 5 }, available_tiers: ALL, editable_tiers: ALL },
  ],
};

/** The built-in templates: research report, quick brief, topic discovery and course builder. */
export const BuiltinTemplates: readonly TemplateDef[] = [
  {
    name: "research_report", display_name: "Research Report", category: "research", complexity_level: "advanced",
    description: "An intelligence report on a topic from curated and, when needed, newly discovered feeds.",
    allowed_tiers: STANDARD_UP, keyword_triggers: ["research", "report", "analysis", "intelligence", "market", "trends"],
    estimated_duration_ms: 45_000, estimated_cost_micros: 60_000,
    steps: researchSteps("full"),
    parameters: [
      topicParam,
      { parameter_name: "max_feeds", display_name: "Maximum feeds", description: "Sources the librarian may select.",
        parameter_type: "number", is_required: false, default_value: 8, options: null,
        validation_rules: { min: 1, max: 25, integer: true }, available_tiers: STANDARD_UP, editable_tiers: PREMIUM_UP },
      { parameter_name: "max_articles_per_feed", display_name: "Articles per feed", description: "Articles read from each feed.",
        parameter_type: "number", is_required: false, default_value: 20, options: null,
        validation_rules: { min: 1, max: 50, integer: true }, available_tiers: STANDARD_UP, editable_tiers: STANDARD_UP },
      { parameter_name: "source_discovery_depth", display_name: "Discovery depth", description: "How hard the researcher looks for new sources (1-5).",
        parameter_type: "number", is_required: false, default_value: 3, options: null,
        validation_rules: { min: 1, max: 5, integer: true }, available_tiers: STANDARD_UP, editable_tiers: PREMIUM_UP },
      { parameter_name: "min_quality", display_name: "Minimum source quality", description: "Sources below this score are ignored.",
        parameter_type: "number", is_required: false, default_value: 0.6, options: null,
        validation_rules: { min: 0, max: 1 }, available_tiers: STANDARD_UP, editable_tiers: ["enterprise"] },
      { parameter_name: "analysis_depth", display_name: "Analysis depth", description: "How closely each article is read.",
        parameter_type: "select", is_required: false, default_value: "standard", options: ["basic", "standard", "detailed"],
        validation_rules: {}, available_tiers: STANDARD_UP, editable_tiers: PREMIUM_UP },
    ],
  },
  {
    name: "quick_brief", display_name: "Quick Brief", category: "research", complexity_level: "simple",
    description: "A short brief from the catalog's best feeds on a topic; no source discovery.",
    allowed_tiers: ALL, keyword_triggers: ["brief", "summary", "quick", "overview", "news"],
    estimated_duration_ms: 15_000, estimated_cost_micros: 25_000,
    // No discovery here: with nothing in the catalog for the topic, the librarian stops the run (no_coverage).
    steps: researchSteps("brief").filter((s) => s.step_id !== "researcher").map((s) =>
      s.step_id === "fetcher" ? { ...s, depends_on: ["librarian"], input_mapping: { ...s.input_mapping, feed_urls: "$.steps.librarian.sources[*].url" } }
        : s.step_id === "librarian" ? { ...s, input_mapping: { ...s.input_mapping, when_none: "=stop" } } : s),
    parameters: [
      topicParam,
      { parameter_name: "max_feeds", display_name: "Maximum feeds", description: "Sources the librarian may select.",
        parameter_type: "number", is_required: false, default_value: 4, options: null,
        validation_rules: { min: 1, max: 8, integer: true }, available_tiers: ALL, editable_tiers: STANDARD_UP },
    ],
  },
  {
    name: "topic_discovery", display_name: "Topic Discovery", category: "research", complexity_level: "moderate",
    description: "Finds, verifies and catalogs new feed sources for a topic.",
    allowed_tiers: STANDARD_UP, keyword_triggers: ["sources", "discover", "feeds", "find"],
    estimated_duration_ms: 20_000, estimated_cost_micros: 20_000,
    steps: [
      step({
        step_id: "researcher", worker_name: "topic-researcher",
        input_mapping: { topic: "$.inputs.topic", depth: "$.inputs.source_discovery_depth", min_quality: "$.inputs.min_quality" },
        output_mapping: { sources: "sources" },
      }),
    ],
    parameters: [
      topicParam,
      { parameter_name: "source_discovery_depth", display_name: "Discovery depth", description: "How hard to look (1-5).",
        parameter_type: "number", is_required: false, default_value: 3, options: null,
        validation_rules: { min: 1, max: 5, integer: true }, available_tiers: STANDARD_UP, editable_tiers: STANDARD_UP },
      { parameter_name: "min_quality", display_name: "Minimum source quality", description: "Sources below this score are dropped.",
        parameter_type: "number", is_required: false, default_value: 0.6, options: null,
        validation_rules: { min: 0, max: 1 }, available_tiers: STANDARD_UP, editable_tiers: PREMIUM_UP },
    ],
  },
  {
    name: "course_builder", display_name: "Course Builder", category: "content", complexity_level: "advanced",
    description: "A structured course on a topic, written and packaged as HTML, Markdown and JSON.",
    allowed_tiers: PREMIUM_UP, keyword_triggers: ["course", "lesson", "training", "curriculum", "learn", "teach"],
    estimated_duration_ms: 60_000, estimated_cost_micros: 80_000,
    // Material first (the research steps up to classification), then a structure and lessons
    // built from it; a topic nothing covers gets its outline, marked as one.
    steps: [
      ...researchSteps("full").filter((s) => s.step_id !== "report").map((s) =>
        s.step_id === "researcher"
          // Discovery here may find nothing without stopping the run: the course then says so and delivers its outline.
          ? { ...s, is_optional: true, input_mapping: { topic: "$.inputs.topic", depth: "$.inputs.source_discovery_depth", min_quality: "$.inputs.min_quality" } }
          : s.step_id === "classifier" ? { ...s, output_mapping: {} } : s.step_id === "fetcher" ? { ...s, output_mapping: {} } : s),
      step({
        step_id: "granulator", worker_name: "content-granulator", depends_on: ["classifier"],
        input_mapping: { topic: "$.inputs.topic", structure_type: "$.inputs.structure_type", granularity: "$.inputs.granularity", audience: "$.inputs.audience", articles: "$.steps.classifier.analyzed_articles" },
        output_mapping: { structure: "structure" },
      }),
      step({
        step_id: "generator", worker_name: "content-generator", depends_on: ["granulator"],
        input_mapping: { structure: "$.steps.granulator.structure", articles: "$.steps.classifier.analyzed_articles" },
        output_mapping: { content: "content" },
      }),
      step({
        step_id: "packager", worker_name: "content-packager", depends_on: ["generator"],
        input_mapping: { content: "$.steps.generator.content", formats: "$.inputs.formats" },
        output_mapping: { package: "package" },
      }),
    ],
    parameters: [
      topicParam,
      { parameter_name: "structure_type", display_name: "Structure", description: "What to build.",
        parameter_type: "select", is_required: false, default_value: "course",
        options: ["course", "quiz", "novel", "workflow", "knowledge_map", "learning_path"],
        validation_rules: {}, available_tiers: PREMIUM_UP, editable_tiers: PREMIUM_UP },
      { parameter_name: "granularity", display_name: "Granularity", description: "1 (outline) to 5 (fine-grained).",
        parameter_type: "number", is_required: false, default_value: 3, options: null,
        validation_rules: { min: 1, max: 5, integer: true }, available_tiers: PREMIUM_UP, editable_tiers: ["enterprise"] },
      { parameter_name: "audience", display_name: "Audience", description: "Who the content is for.",
        parameter_type: "text", is_required: false, default_value: "general", options: null,
        validation_rules: { min_length: 2, max_length: 100 }, available_tiers: PREMIUM_UP, editable_tiers: PREMIUM_UP },
      { parameter_name: "formats", display_name: "Formats", description: "Package formats.",
        parameter_type: "array", is_required: false, default_value: ["html", "md", "json"], options: ["html", "md", "json"],
        validation_rules: { min_items: 1, max_items: 3 }, available_tiers: PREMIUM_UP, editable_tiers: PREMIUM_UP },
    ],
  },
];
