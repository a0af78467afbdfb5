import { Link, useParams } from "wouter";
import { isStaff, useUser } from "../../api/session";
import { Page } from "../../components/ui";
import { PipelineLive } from "./pipeline-live";

/** /pipelines/:id — one run, live. */
export default function PipelinePage() {
  const { id } = useParams<{ id: string }>();
  const user = useUser();
  return (
    <Page title={`Pipeline ${id}`} subtitle="Pushed live by the pipeline's own actor: no refresh needed." actions={<Link href={isStaff(user) ? "/pipelines" : "/"}>← Back</Link>}>
      <PipelineLive pipelineId={id} />
    </Page>
  );
}
