import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";

import { CommandError } from "../shared/commandError";
import * as ipc from "./ipc";
import { ShowLogs } from "./ShowLogs";

vi.mock("./ipc", async (importOriginal) => {
  const actual = await importOriginal<typeof import("./ipc")>();
  return { ...actual, openLogs: vi.fn() };
});

afterEach(() => {
  vi.clearAllMocks();
});

describe("ShowLogs", () => {
  it("opens the log folder and says where it is", async () => {
    vi.mocked(ipc.openLogs).mockResolvedValue("/home/me/.local/share/app.hubsync.desktop/logs");
    render(<ShowLogs />);
    await userEvent.click(screen.getByRole("button", { name: "Show logs" }));
    expect(await screen.findByText("Logs are in /home/me/.local/share/app.hubsync.desktop/logs")).toBeTruthy();
  });

  it("says why the folder could not be opened", async () => {
    vi.mocked(ipc.openLogs).mockRejectedValue(new CommandError("open_failed", "The log folder is /x; it could not be opened"));
    render(<ShowLogs />);
    await userEvent.click(screen.getByRole("button", { name: "Show logs" }));
    expect(await screen.findByText("The log folder is /x; it could not be opened")).toBeTruthy();
  });
});
