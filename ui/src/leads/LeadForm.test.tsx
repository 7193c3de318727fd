import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";

import { CommandError } from "../shared/ipc";
import * as ipc from "./ipc";
import { LeadForm } from "./LeadForm";
import { FIELDS, lead } from "./testData";

vi.mock("./ipc", async (importOriginal) => {
  const actual = await importOriginal<typeof import("./ipc")>();
  return { ...actual, addLead: vi.fn(), updateLead: vi.fn() };
});

beforeEach(() => {
  vi.mocked(ipc.addLead).mockReset();
  vi.mocked(ipc.updateLead).mockReset();
});

describe("LeadForm", () => {
  it("shows each problem under its field and saves nothing", async () => {
    const user = userEvent.setup();
    const onSaved = vi.fn();
    vi.mocked(ipc.addLead).mockResolvedValue({
      kind: "invalid",
      problems: [
        { field: "email", code: "duplicate_email", message: "a lead with the email ann@example.com already exists (lead 2)" },
        { field: "score", code: "invalid_value", message: "\"lots\" is not a number" },
      ],
    });
    render(<LeadForm fields={FIELDS} lead={null} onSaved={onSaved} onCancel={vi.fn()} />);
    await user.type(screen.getByLabelText("Email"), "ann@example.com");
    await user.type(screen.getByLabelText("Score"), "lots");
    await user.selectOptions(screen.getByLabelText("Company size"), "5-25");
    await user.click(screen.getByTestId("lead-save"));
    expect(ipc.addLead).toHaveBeenCalledWith("ann@example.com", { score: "lots", company_size: "5-25" });
    expect((await screen.findByTestId("lead-error-email")).textContent).toContain("already exists");
    expect(screen.getByTestId("lead-error-score").textContent).toContain("is not a number");
    expect(screen.getByLabelText("Score").getAttribute("aria-invalid")).toBe("true");
    expect(screen.getByLabelText("Score").getAttribute("aria-describedby")).toBe("lead-error-score");
    expect(screen.getByRole("alert").textContent).toContain("2 values need fixing");
    expect(onSaved).not.toHaveBeenCalled();
  });

  it("edits every field, clearing emptied ones, and hands back the saved lead", async () => {
    const user = userEvent.setup();
    const onSaved = vi.fn();
    const existing = lead(7, { values: { first_name: "Bo", city: "Oslo" } });
    const saved = lead(7, { values: { first_name: "Bo" } });
    vi.mocked(ipc.updateLead).mockResolvedValue({ kind: "saved", lead: saved });
    render(<LeadForm fields={FIELDS} lead={existing} onSaved={onSaved} onCancel={vi.fn()} />);
    expect(screen.getByLabelText<HTMLInputElement>("City").value).toBe("Oslo");
    await user.clear(screen.getByLabelText("City"));
    await user.click(screen.getByTestId("lead-save"));
    expect(ipc.updateLead).toHaveBeenCalledWith(7, "lead7@example.com", {
      first_name: "Bo",
      city: "",
      company_size: "",
      score: "",
    });
    expect(onSaved).toHaveBeenCalledWith(saved);
  });

  it("closes with Escape and saves with Enter", async () => {
    const user = userEvent.setup();
    const onCancel = vi.fn();
    vi.mocked(ipc.addLead).mockResolvedValue({ kind: "saved", lead: lead(1) });
    render(<LeadForm fields={FIELDS} lead={null} onSaved={vi.fn()} onCancel={onCancel} />);
    expect(document.activeElement).toBe(screen.getByLabelText("Email"));
    await user.type(screen.getByLabelText("Email"), "new@example.com{Enter}");
    expect(ipc.addLead).toHaveBeenCalledWith("new@example.com", {});
    await user.keyboard("{Escape}");
    expect(onCancel).toHaveBeenCalled();
  });

  it("shows a refusal that belongs to no field", async () => {
    const user = userEvent.setup();
    vi.mocked(ipc.addLead).mockRejectedValue(new CommandError("store_error", "lead store: disk full"));
    render(<LeadForm fields={FIELDS} lead={null} onSaved={vi.fn()} onCancel={vi.fn()} />);
    await user.click(screen.getByTestId("lead-save"));
    expect((await screen.findByRole("alert")).textContent).toContain("disk full");
  });
});
