import { screen } from "@testing-library/react";
import type { UserEvent } from "@testing-library/user-event";

/** Confirms the open run dialog as an admin does for a production portal: types its name, clicks Run. */
export async function confirmProductionRun(user: UserEvent, portalName = "acme.hubspot.com"): Promise<void> {
  await user.type(screen.getByTestId("confirm-portal-name"), portalName);
  await user.click(screen.getByTestId("confirm-run"));
}
