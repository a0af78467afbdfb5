import { Page } from "../../components/ui";

export default function View() {
  return <Page title="client/request-page"><p>Not built yet.</p></Page>;
}
