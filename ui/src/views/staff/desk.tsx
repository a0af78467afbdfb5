import { Page } from "../../components/ui";

export default function View() {
  return <Page title="staff/desk"><p>Not built yet.</p></Page>;
}
