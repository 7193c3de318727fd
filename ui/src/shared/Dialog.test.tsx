import { render, screen, waitFor } from "@testing-library/react";
import userEvent, { PointerEventsCheckLevel } from "@testing-library/user-event";
import { useRef, useState } from "react";
import { describe, expect, it, vi } from "vitest";

import { Dialog } from "./Dialog";

/** A page with a button that opens a dialog, the way the screens open theirs. */
function Page({ kind, onClose, safeFirst = false }: { kind: "form" | "question"; onClose?: () => void; safeFirst?: boolean }) {
  const [open, setOpen] = useState(false);
  const keep = useRef<HTMLButtonElement>(null);
  const close = () => {
    onClose?.();
    setOpen(false);
  };
  return (
    <>
      <button
        type="button"
        onClick={() => {
          setOpen(true);
        }}
      >
        Open
      </button>
      <p>Behind the dialog</p>
      {open && (
        <Dialog kind={kind} title="Add a lead" onClose={close} describedBy="said" {...(safeFirst ? { initialFocus: keep } : {})}>
          <p id="said">Say who the lead is.</p>
          <label>
            Email
            <input />
          </label>
          <button type="button">Save</button>
          <button ref={keep} type="button" onClick={close}>
            Keep
          </button>
        </Dialog>
      )}
    </>
  );
}

describe("Dialog", () => {
  it("is a modal dialog named by its title and described by its text", async () => {
    const user = userEvent.setup();
    render(<Page kind="question" />);
    await user.click(screen.getByRole("button", { name: "Open" }));
    const dialog = screen.getByRole("dialog", { name: "Add a lead" });
    expect(dialog.getAttribute("aria-modal")).toBe("true");
    expect(dialog.getAttribute("aria-describedby")).toBe("said");
    // The page behind is hidden from assistive technology while it is open.
    expect(screen.getByText("Behind the dialog").closest("[aria-hidden=true]")).not.toBeNull();
  });

  it("adds no <style> element, which the app's CSP (style-src 'self') would refuse", async () => {
    const user = userEvent.setup();
    render(<Page kind="form" />);
    const before = document.querySelectorAll("style").length;
    await user.click(screen.getByRole("button", { name: "Open" }));
    expect(screen.getByRole("dialog")).toBeTruthy();
    expect(document.querySelectorAll("style").length).toBe(before);
    // The page behind can't scroll while it is open.
    expect(document.documentElement.style.overflow).toBe("hidden");
    await user.keyboard("{Escape}");
    expect(document.documentElement.style.overflow).toBe("");
  });

  it("focuses its first control, not the ×, and keeps the focus inside", async () => {
    const user = userEvent.setup();
    render(<Page kind="form" />);
    await user.click(screen.getByRole("button", { name: "Open" }));
    expect(document.activeElement).toBe(screen.getByLabelText("Email"));
    await user.tab();
    await user.tab();
    expect(document.activeElement).toBe(screen.getByRole("button", { name: "Keep" }));
    await user.tab();
    expect(document.activeElement).toBe(screen.getByRole("button", { name: "Close" }));
    await user.tab({ shift: true });
    expect(document.activeElement).toBe(screen.getByRole("button", { name: "Keep" }));
  });

  it("focuses the control it is given first", async () => {
    const user = userEvent.setup();
    render(<Page kind="question" safeFirst />);
    await user.click(screen.getByRole("button", { name: "Open" }));
    expect(document.activeElement).toBe(screen.getByRole("button", { name: "Keep" }));
    // A question has no ×: its own buttons answer it.
    expect(screen.queryByRole("button", { name: "Close" })).toBeNull();
  });

  it("closes with Escape and gives the focus back to what opened it", async () => {
    const user = userEvent.setup();
    const onClose = vi.fn();
    render(<Page kind="form" onClose={onClose} />);
    const opener = screen.getByRole("button", { name: "Open" });
    await user.click(opener);
    await user.keyboard("{Escape}");
    expect(onClose).toHaveBeenCalledOnce();
    expect(screen.queryByRole("dialog")).toBeNull();
    await waitFor(() => {
      expect(document.activeElement).toBe(opener);
    });
  });

  it("closes with the ×, and not with a click beside it", async () => {
    // The page behind takes no pointer events while it is open; the click is sent anyway, as
    // the webview would deliver one that reached the backdrop.
    const user = userEvent.setup({ pointerEventsCheck: PointerEventsCheckLevel.Never });
    const onClose = vi.fn();
    render(<Page kind="form" onClose={onClose} />);
    await user.click(screen.getByRole("button", { name: "Open" }));
    const backdrop = screen.getByRole("dialog").parentElement;
    if (backdrop === null) throw new Error("the dialog has no backdrop");
    await user.click(backdrop);
    expect(onClose).not.toHaveBeenCalled();
    expect(screen.getByRole("dialog")).toBeTruthy();
    await user.click(screen.getByRole("button", { name: "Close" }));
    expect(onClose).toHaveBeenCalledOnce();
    expect(screen.queryByRole("dialog")).toBeNull();
  });
});
