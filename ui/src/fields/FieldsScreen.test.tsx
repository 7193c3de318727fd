import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";

import { CommandError } from "../shared/commandError";
import { FieldsScreen } from "./FieldsScreen";
import * as ipc from "./ipc";

vi.mock("./ipc", async (importOriginal) => {
  const actual = await importOriginal<typeof import("./ipc")>();
  return { ...actual, listFields: vi.fn(), addField: vi.fn() };
});

beforeEach(() => {
  vi.mocked(ipc.listFields).mockResolvedValue([
    { key: "email", label: "Email", type: "text", options: [], builtin: true, position: 1 },
    { key: "company", label: "Company", type: "text", options: [], builtin: true, position: 2 },
  ]);
  vi.mocked(ipc.addField).mockReset();
});

describe("FieldsScreen", () => {
  it("lists built-in and custom fields", async () => {
    render(<FieldsScreen />);
    const table = await screen.findByRole("table", { name: "Lead fields" });
    expect(within(table).getAllByRole("row")).toHaveLength(3);
    expect(table.textContent).toContain("Built-in");
  });

  it("adds a choice field with its options, one per line", async () => {
    const user = userEvent.setup();
    vi.mocked(ipc.addField).mockResolvedValue({
      key: "tier",
      label: "Customer tier",
      type: "single_choice",
      options: ["Gold", "Silver"],
      builtin: false,
      position: 3,
    });
    render(<FieldsScreen />);
    await screen.findByRole("table", { name: "Lead fields" });
    await user.type(screen.getByRole("textbox", { name: "Key" }), "tier");
    await user.type(screen.getByRole("textbox", { name: "Label (optional)" }), "Customer tier");
    expect(screen.queryByRole("textbox", { name: "Options" })).toBeNull();
    await user.selectOptions(screen.getByRole("combobox", { name: "Type" }), "single_choice");
    await user.type(screen.getByRole("textbox", { name: "Options" }), "Gold\n\n Silver \n");
    await user.click(screen.getByRole("button", { name: "Add field" }));

    expect(ipc.addField).toHaveBeenCalledWith({
      key: "tier",
      label: "Customer tier",
      kind: "single_choice",
      options: ["Gold", "Silver"],
    });
    expect((await screen.findByRole("status")).textContent).toBe("Added the field Customer tier (tier).");
    const row = screen.getByRole("row", { name: /Customer tier/ });
    expect(row.textContent).toContain("Single choice");
    expect(row.textContent).toContain("Gold, Silver");
    expect(row.textContent).toContain("Custom");
  });

  it("shows the store's refusal in words", async () => {
    const user = userEvent.setup();
    vi.mocked(ipc.addField).mockRejectedValue(
      new CommandError("invalid_field", "invalid field definition: a single_choice field needs options"),
    );
    render(<FieldsScreen />);
    await user.type(await screen.findByRole("textbox", { name: "Key" }), "tier");
    await user.selectOptions(screen.getByRole("combobox", { name: "Type" }), "single_choice");
    await user.click(screen.getByRole("button", { name: "Add field" }));
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("The field was not added");
    expect(alert.textContent).toContain("a single_choice field needs options");
  });
});
