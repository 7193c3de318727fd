import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";

import { CommandError } from "../shared/commandError";
import * as ipc from "./ipc";
import { PushRulesScreen } from "./PushRulesScreen";

vi.mock("./ipc", async (importOriginal) => {
  const actual = await importOriginal<typeof import("./ipc")>();
  return {
    ...actual,
    pushRules: vi.fn(),
    setPushRules: vi.fn(),
    companyRules: vi.fn(),
    freeMailOverrides: vi.fn(),
  };
});

beforeEach(() => {
  vi.mocked(ipc.pushRules).mockReset();
  vi.mocked(ipc.setPushRules).mockReset();
  vi.mocked(ipc.companyRules).mockReset().mockResolvedValue({
    associate: false,
    create: false,
    domain_field: null,
    domain_field_choices: [],
    decided_at: null,
  });
  vi.mocked(ipc.freeMailOverrides).mockReset().mockResolvedValue([]);
});

/** The contact rules' status line (the company cards have their own). */
function contactStatus(): HTMLElement {
  return within(screen.getByRole("region", { name: "Push rules" })).getByRole("status");
}

describe("PushRulesScreen", () => {
  it("disables create, with the reason, while update is off", async () => {
    vi.mocked(ipc.pushRules).mockResolvedValue({ update: false, create: false });
    render(<PushRulesScreen />);
    const create = await screen.findByRole("checkbox", { name: "Create HubSpot contact when no match is found" });
    expect((create as HTMLInputElement).disabled).toBe(true);
    const reason = screen.getByTestId("create-reason");
    expect(reason.textContent).toContain("Turn on “Update matching HubSpot contact” first");
    expect(create.getAttribute("aria-describedby")).toContain(reason.id);
  });

  it("enables create once update is on", async () => {
    const user = userEvent.setup();
    vi.mocked(ipc.pushRules).mockResolvedValue({ update: false, create: false });
    vi.mocked(ipc.setPushRules).mockResolvedValue({ update: true, create: false });
    render(<PushRulesScreen />);
    await user.click(await screen.findByRole("checkbox", { name: "Update matching HubSpot contact" }));
    expect(ipc.setPushRules).toHaveBeenCalledWith(true, false);
    const create = screen.getByRole("checkbox", { name: "Create HubSpot contact when no match is found" });
    expect((create as HTMLInputElement).disabled).toBe(false);
    expect(screen.queryByTestId("create-reason")).toBeNull();
    expect(contactStatus().textContent).toBe("Update is on.");
  });

  it("keeps the rules as they are when asked, which decides them too", async () => {
    const user = userEvent.setup();
    vi.mocked(ipc.pushRules).mockResolvedValue({ update: true, create: false });
    vi.mocked(ipc.setPushRules).mockResolvedValue({ update: true, create: false });
    render(<PushRulesScreen />);
    await user.click(await screen.findByRole("button", { name: "Keep these rules" }));
    expect(ipc.setPushRules).toHaveBeenCalledExactlyOnceWith(null, null);
    expect(contactStatus().textContent).toBe("The push rules are kept as they are.");
    expect(screen.getByRole<HTMLInputElement>("checkbox", { name: "Create HubSpot contact when no match is found" }).checked).toBe(false);
  });

  it("turns create off with update, and says so", async () => {
    const user = userEvent.setup();
    vi.mocked(ipc.pushRules).mockResolvedValue({ update: true, create: true });
    vi.mocked(ipc.setPushRules).mockResolvedValue({ update: false, create: false });
    render(<PushRulesScreen />);
    await user.click(await screen.findByRole("checkbox", { name: "Update matching HubSpot contact" }));
    expect(ipc.setPushRules).toHaveBeenCalledWith(false, false);
    expect(contactStatus().textContent).toContain("creating contacts was turned off too");
  });

  it("shows the store's refusal in words", async () => {
    const user = userEvent.setup();
    vi.mocked(ipc.pushRules).mockResolvedValue({ update: true, create: false });
    vi.mocked(ipc.setPushRules).mockRejectedValue(
      new CommandError("create_needs_update", "creating contacts is only allowed while updating them is on"),
    );
    render(<PushRulesScreen />);
    await user.click(await screen.findByRole("checkbox", { name: "Create HubSpot contact when no match is found" }));
    expect((await screen.findByRole("alert")).textContent).toContain("only allowed while updating them is on");
  });
});
