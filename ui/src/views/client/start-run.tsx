import { Page } from "../../components/ui";

export default function View() {
  return <Page title="client/start-run"><p>Not built yet.</p></Page>;
}
