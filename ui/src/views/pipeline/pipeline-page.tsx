import { Page } from "../../components/ui";

export default function View() {
  return <Page title="pipeline/pipeline-page"><p>Not built yet.</p></Page>;
}
