import { Page } from "../../components/ui";

export default function View() {
  return <Page title="staff/health"><p>Not built yet.</p></Page>;
}
