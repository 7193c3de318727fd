import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";

import { CommandError } from "../shared/commandError";
import { FreeMailCard } from "./FreeMailCard";
import * as ipc from "./ipc";

vi.mock("./ipc", async (importOriginal) => {
  const actual = await importOriginal<typeof import("./ipc")>();
  return {
    ...actual,
    freeMailOverrides: vi.fn(),
    setFreeMailOverride: vi.fn(),
    removeFreeMailOverride: vi.fn(),
    checkFreeMail: vi.fn(),
  };
});

beforeEach(() => {
  vi.mocked(ipc.freeMailOverrides).mockReset().mockResolvedValue([{ domain: "gmail.com", free: false }]);
  vi.mocked(ipc.setFreeMailOverride).mockReset();
  vi.mocked(ipc.removeFreeMailOverride).mockReset();
  vi.mocked(ipc.checkFreeMail).mockReset();
});

function card(): HTMLElement {
  return screen.getByRole("region", { name: "Free-mail domains" });
}

describe("FreeMailCard", () => {
  it("lists the changes to the maintained list and removes one", async () => {
    const user = userEvent.setup();
    vi.mocked(ipc.removeFreeMailOverride).mockResolvedValue({ domain: "gmail.com", removed: true });
    render(<FreeMailCard />);
    const row = await screen.findByRole("row", { name: /gmail\.com/ });
    expect(row.textContent).toContain("No: taken off the list");
    await user.click(within(row).getByRole("button", { name: "Remove gmail.com" }));
    expect(ipc.removeFreeMailOverride).toHaveBeenCalledWith("gmail.com");
    expect(within(card()).getByRole("status").textContent).toBe("gmail.com is left to the maintained list again.");
    expect(screen.getByTestId("free-mail-none")).toBeTruthy();
  });

  it("adds a domain as a company's, picked in the list, in the form the core gives back", async () => {
    const user = userEvent.setup();
    vi.mocked(ipc.setFreeMailOverride).mockResolvedValue({ domain: "acme-mail.com", free: false });
    render(<FreeMailCard />);
    await user.type(await screen.findByRole("textbox", { name: "Domain" }), "https://www.Acme-Mail.com/");
    await user.selectOptions(screen.getByRole("combobox", { name: "It is" }), "A company’s: take it off the list");
    await user.click(screen.getByRole("button", { name: "Save domain" }));
    expect(ipc.setFreeMailOverride).toHaveBeenCalledWith("https://www.Acme-Mail.com/", false);
    const rows = within(card()).getAllByRole("row").map((r) => r.textContent);
    expect(rows.slice(1)).toEqual([
      expect.stringContaining("acme-mail.com"),
      expect.stringContaining("gmail.com"),
    ]);
    expect(within(card()).getByRole("status").textContent).toBe("acme-mail.com is no longer free-mail: it names a company.");
    expect(screen.getByRole<HTMLInputElement>("textbox", { name: "Domain" }).value).toBe("");
  });

  it("checks a domain and says why it is free-mail or not", async () => {
    const user = userEvent.setup();
    vi.mocked(ipc.checkFreeMail).mockResolvedValue({
      domain: "mail.yahoo.com",
      free: true,
      listed: true,
      reason: "listed",
    });
    render(<FreeMailCard />);
    await user.type(await screen.findByRole("textbox", { name: "Check a domain" }), "Mail.Yahoo.com");
    await user.click(screen.getByRole("button", { name: "Check" }));
    expect(ipc.checkFreeMail).toHaveBeenCalledWith("Mail.Yahoo.com");
    expect(within(card()).getByRole("status").textContent).toBe(
      "mail.yahoo.com is free-mail (the maintained list has it): it names no company.",
    );
  });

  it("shows a domain the core refuses in words", async () => {
    const user = userEvent.setup();
    vi.mocked(ipc.checkFreeMail).mockRejectedValue(
      new CommandError("invalid_domain", "\"ann@acme.com\" is not a company domain: it is an email address"),
    );
    render(<FreeMailCard />);
    await user.type(await screen.findByRole("textbox", { name: "Check a domain" }), "ann@acme.com");
    await user.click(screen.getByRole("button", { name: "Check" }));
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("The domain could not be checked");
    expect(alert.textContent).toContain("it is an email address");
  });
});
