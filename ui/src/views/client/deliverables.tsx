import { Page } from "../../components/ui";

export default function View() {
  return <Page title="client/deliverables"><p>Not built yet.</p></Page>;
}
