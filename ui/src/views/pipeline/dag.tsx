import dagre from "@dagrejs/dagre";
import { Background, Controls, Handle, Position, ReactFlow, type Edge, type Node, type NodeProps } from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import { memo, useMemo } from "react";
import type { PipelineStep } from "../../api/types";

const NODE_W = 180;
const NODE_H = 64;

type StepNode = Node<{ step: PipelineStep; progress: { done: number; total: number } | undefined; selected: boolean }, "step">;

/** Lays the steps out left to right by their dependencies (dagre), once per structure. */
function layout(steps: readonly PipelineStep[]): Map<string, { x: number; y: number }> {
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: "LR", nodesep: 24, ranksep: 56, marginx: 8, marginy: 8 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const s of steps) g.setNode(s.id, { width: NODE_W, height: NODE_H });
  for (const s of steps) for (const d of s.depends_on ?? []) g.setEdge(d, s.id);
  dagre.layout(g);
  return new Map(steps.map((s) => {
    const n = g.node(s.id);
    return [s.id, { x: n.x - NODE_W / 2, y: n.y - NODE_H / 2 }];
  }));
}

const StepBox = memo(function StepBox({ data }: NodeProps<StepNode>) {
  const { step, progress, selected } = data;
  return (
    <div className={`dag-node st-${step.status} ${selected ? "is-selected" : ""}`} data-testid={`dag-step-${step.id}`} data-status={step.status}>
      <Handle type="target" position={Position.Left} />
      <strong>{step.id}</strong>
      <span className="dag-worker">{step.worker}</span>
      <span className="dag-status">{step.status.replace(/_/g, " ")}{step.attempt > 1 ? ` · try ${step.attempt}` : ""}</span>
      {progress && step.status === "running" ? <progress max={progress.total} value={progress.done} /> : null}
      <Handle type="source" position={Position.Right} />
    </div>
  );
});

const nodeTypes = { step: StepBox };

/** The run's DAG: each step coloured by its state as events arrive; a click selects a step. */
export function Dag({ steps, progress, selected, onSelect }: {
  steps: readonly PipelineStep[];
  progress: Record<string, { done: number; total: number }>;
  selected: string | null;
  onSelect: (id: string) => void;
}) {
  const shape = steps.map((s) => `${s.id}<${(s.depends_on ?? []).join(",")}`).join(";");
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const positions = useMemo(() => layout(steps), [shape]);
  const nodes: StepNode[] = steps.map((step) => ({
    id: step.id, type: "step", position: positions.get(step.id) ?? { x: 0, y: 0 },
    data: { step, progress: progress[step.id], selected: step.id === selected },
    draggable: false, connectable: false, selectable: true, focusable: true,
    ariaLabel: `${step.id}: ${step.status.replace(/_/g, " ")}`,
  }));
  const edges: Edge[] = steps.flatMap((s) => (s.depends_on ?? []).map((d) => ({
    id: `${d}->${s.id}`, source: d, target: s.id, animated: s.status === "running",
  })));
  const rows = Math.max(1, ...[...positions.values()].map((p) => p.y / (NODE_H + 24) + 1));
  return (
    <div className="dag" style={{ height: Math.min(520, Math.max(180, rows * (NODE_H + 24) + 40)) }}>
      <ReactFlow
        nodes={nodes} edges={edges} nodeTypes={nodeTypes} fitView fitViewOptions={{ padding: 0.12 }}
        minZoom={0.2} maxZoom={1.5} nodesDraggable={false} nodesConnectable={false}
        onNodeClick={(_, node) => onSelect(node.id)}
      >
        <Background gap={16} size={1} />
        <Controls showInteractive={false} position="top-right" />
      </ReactFlow>
    </div>
  );
}
