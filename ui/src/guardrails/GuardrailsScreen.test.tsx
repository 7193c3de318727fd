import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";

import type { Guardrails } from "../bindings/Guardrails";
import { CommandError } from "../shared/commandError";
import { GuardrailsScreen } from "./GuardrailsScreen";
import * as ipc from "./ipc";

vi.mock("./ipc", () => ({ guardrails: vi.fn(), setGuardrails: vi.fn() }));

const NONE: Guardrails = {
  max_creates: null,
  max_overwrites: null,
  max_overwrite_percent: null,
  max_archives: null,
  max_failed_percent: null,
};

beforeEach(() => {
  vi.resetAllMocks();
});

function status(): string {
  return screen.getByRole("status").textContent;
}

describe("GuardrailsScreen", () => {
  it("explains each limit, shows the saved ones on with their figure and the others off", async () => {
    vi.mocked(ipc.guardrails).mockResolvedValue({ ...NONE, max_creates: 500, max_failed_percent: 10 });
    render(<GuardrailsScreen />);
    const creates = await screen.findByRole("checkbox", { name: "Limit creates" });
    expect((creates as HTMLInputElement).checked).toBe(true);
    expect(screen.getByLabelText<HTMLInputElement>("Creates at most").value).toBe("500");
    expect(screen.getByLabelText<HTMLInputElement>("Failed share at most (%)").value).toBe("10");
    expect(screen.getByRole<HTMLInputElement>("checkbox", { name: "Limit archives" }).checked).toBe(false);
    expect(screen.queryByLabelText("Archives at most")).toBeNull();
    const hint = document.getElementById(creates.getAttribute("aria-describedby") ?? "");
    expect(hint?.textContent).toContain("contacts and companies for a push, leads for a pull");
  });

  it("turns limits on and off, types their figures, and saves them whole", async () => {
    const user = userEvent.setup();
    vi.mocked(ipc.guardrails).mockResolvedValue({ ...NONE, max_failed_percent: 10 });
    vi.mocked(ipc.setGuardrails).mockImplementation((limits) => Promise.resolve(limits));
    render(<GuardrailsScreen />);
    await user.click(await screen.findByRole("checkbox", { name: "Limit creates" }));
    await user.type(screen.getByLabelText("Creates at most"), "500");
    await user.click(screen.getByRole("checkbox", { name: "Limit overwrite share" }));
    await user.type(screen.getByLabelText("Overwrite share at most (%)"), "12.5");
    await user.click(screen.getByRole("checkbox", { name: "Limit failed share" }));
    await user.click(screen.getByRole("button", { name: "Save guardrails" }));
    expect(ipc.setGuardrails).toHaveBeenCalledExactlyOnceWith({
      ...NONE,
      max_creates: 500,
      max_overwrite_percent: 12.5,
    });
    expect(status()).toBe("Saved: 2 limits on.");
    expect(screen.queryByRole("button", { name: "Discard changes" })).toBeNull();
  });

  it("sends no count that isn't a whole number, and says why under it", async () => {
    const user = userEvent.setup();
    vi.mocked(ipc.guardrails).mockResolvedValue(NONE);
    render(<GuardrailsScreen />);
    await user.click(await screen.findByRole("checkbox", { name: "Limit archives" }));
    const archives = screen.getByLabelText("Archives at most");
    expect(screen.getByRole("button", { name: "Save guardrails" })).toHaveProperty("disabled", true);
    await user.type(archives, "2.5");
    expect(archives.getAttribute("aria-invalid")).toBe("true");
    expect(document.getElementById(archives.getAttribute("aria-describedby") ?? "")?.textContent).toBe(
      "Write a whole number of records, such as 500.",
    );
    await user.clear(archives);
    await user.type(archives, "0");
    expect(screen.getByRole("button", { name: "Save guardrails" })).toHaveProperty("disabled", false);
  });

  it("shows the core's refusal by its code and message, and keeps what was typed", async () => {
    const user = userEvent.setup();
    vi.mocked(ipc.guardrails).mockResolvedValue(NONE);
    vi.mocked(ipc.setGuardrails).mockRejectedValue(
      new CommandError(
        "invalid_guardrails",
        "the guardrails were not saved:\n  - the failed share must be a percentage from 0 to 100, not 120",
      ),
    );
    render(<GuardrailsScreen />);
    await user.click(await screen.findByRole("checkbox", { name: "Limit failed share" }));
    await user.type(screen.getByLabelText("Failed share at most (%)"), "120");
    await user.click(screen.getByRole("button", { name: "Save guardrails" }));
    const alert = await screen.findByRole("alert");
    expect(within(alert).getByText("The guardrails were not saved")).toBeTruthy();
    expect(alert.textContent).toContain("must be a percentage from 0 to 100, not 120");
    expect(within(alert).getByText("invalid_guardrails")).toBeTruthy();
    expect(screen.getByLabelText<HTMLInputElement>("Failed share at most (%)").value).toBe("120");
  });

  it("discards changes back to what is saved, and saving none says every run goes ahead", async () => {
    const user = userEvent.setup();
    vi.mocked(ipc.guardrails).mockResolvedValue({ ...NONE, max_archives: 0 });
    vi.mocked(ipc.setGuardrails).mockResolvedValue(NONE);
    render(<GuardrailsScreen />);
    const archives = await screen.findByRole("checkbox", { name: "Limit archives" });
    await user.click(archives);
    expect((archives as HTMLInputElement).checked).toBe(false);
    await user.click(screen.getByRole("button", { name: "Discard changes" }));
    expect(screen.getByRole<HTMLInputElement>("checkbox", { name: "Limit archives" }).checked).toBe(true);

    await user.click(screen.getByRole("checkbox", { name: "Limit archives" }));
    await user.click(screen.getByRole("button", { name: "Save guardrails" }));
    expect(ipc.setGuardrails).toHaveBeenCalledWith(NONE);
    expect(status()).toBe("Saved: no limits, every run goes ahead.");
  });
});
