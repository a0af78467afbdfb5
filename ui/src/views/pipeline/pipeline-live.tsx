/** The pipeline's live view (DAG, timeline, steps, events, result); embedded by the pipeline and request pages. */
export function PipelineLive({ pipelineId }: { pipelineId: string }) {
  return <p>Live view of {pipelineId} (being built).</p>;
}
