import { Page } from "../../components/ui";

export default function View() {
  return <Page title="client/requests"><p>Not built yet.</p></Page>;
}
