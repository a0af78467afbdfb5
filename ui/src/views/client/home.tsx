import { Page } from "../../components/ui";

export default function View() {
  return <Page title="client/home"><p>Not built yet.</p></Page>;
}
