import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { useState } from "react";
import { describe, expect, it, vi } from "vitest";

import { CommandPalette, type PaletteCommand } from "./CommandPalette";

function Harness({ commands }: { commands: PaletteCommand[] }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button
        type="button"
        onClick={() => {
          setOpen(true);
        }}
      >
        Commands
      </button>
      <CommandPalette open={open} onOpenChange={setOpen} commands={commands} />
    </>
  );
}

describe("CommandPalette", () => {
  it("finds a command by its words, runs it with Enter and closes, giving the focus back", async () => {
    const user = userEvent.setup();
    const mapping = vi.fn();
    const leads = vi.fn();
    render(
      <Harness
        commands={[
          { id: "open-leads", label: "Go to Leads", group: "Go to", keys: ["Ctrl", "2"], run: leads },
          { id: "open-mapping", label: "Go to Mapping", group: "Go to", keywords: ["properties"], run: mapping },
        ]}
      />,
    );
    const opener = screen.getByRole("button", { name: "Commands" });
    await user.click(opener);
    const input = screen.getByPlaceholderText("Type a command or a screen…");
    expect(document.activeElement).toBe(input);
    expect(screen.getByTestId("palette-open-leads").textContent).toBe("Go to LeadsCtrl2");

    await user.keyboard("propert");
    expect(screen.queryByTestId("palette-open-leads")).toBeNull();
    await user.keyboard("{Enter}");
    expect(mapping).toHaveBeenCalledOnce();
    expect(leads).not.toHaveBeenCalled();
    expect(screen.queryByTestId("command-palette")).toBeNull();
    expect(document.activeElement).toBe(opener);
  });

  it("moves with the arrows, says when nothing matches, and closes with Escape", async () => {
    const user = userEvent.setup();
    const first = vi.fn();
    const second = vi.fn();
    render(
      <Harness
        commands={[
          { id: "one", label: "Preview a push", group: "Actions", run: first },
          { id: "two", label: "Preview a pull", group: "Actions", run: second },
        ]}
      />,
    );
    await user.click(screen.getByRole("button", { name: "Commands" }));
    await user.keyboard("{ArrowDown}{Enter}");
    expect(second).toHaveBeenCalledOnce();
    expect(first).not.toHaveBeenCalled();

    await user.click(screen.getByRole("button", { name: "Commands" }));
    await user.keyboard("zzzz");
    expect(screen.getByText("No command matches.")).toBeTruthy();
    await user.keyboard("{Escape}");
    expect(screen.queryByTestId("command-palette")).toBeNull();
  });
});
