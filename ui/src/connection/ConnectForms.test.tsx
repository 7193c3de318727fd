import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";

import type { OAuthFinished } from "../bindings/OAuthFinished";
import { CommandError } from "../shared/commandError";
import { portal } from "../test/fixtures";
import { OAuthConnect, TokenConnect } from "./ConnectForms";
import * as ipc from "./ipc";

vi.mock("./ipc", async (importOriginal) => {
  const actual = await importOriginal<typeof import("./ipc")>();
  return {
    ...actual,
    connectToken: vi.fn(),
    oauthStart: vi.fn(),
    oauthCancel: vi.fn(),
    onOAuthFinished: vi.fn(),
  };
});

const AUTHORIZE_URL = "https://app.hubspot.com/oauth/authorize?client_id=abc-123&state=xyz";

/** The handler the form gave `onOAuthFinished`, to play the Rust side's event. */
let emitFinished: ((finished: OAuthFinished) => void) | undefined;

beforeEach(() => {
  vi.mocked(ipc.connectToken).mockReset();
  vi.mocked(ipc.oauthStart).mockReset();
  vi.mocked(ipc.oauthCancel).mockReset();
  emitFinished = undefined;
  vi.mocked(ipc.onOAuthFinished).mockReset().mockImplementation((handler) => {
    emitFinished = handler;
    return Promise.resolve(() => {
      emitFinished = undefined;
    });
  });
});

describe("TokenConnect", () => {
  it("refuses an empty token without calling the app", async () => {
    const user = userEvent.setup();
    const onChanged = vi.fn();
    render(<TokenConnect onChanged={onChanged} />);

    await user.type(screen.getByLabelText("Token"), "   ");
    await user.click(screen.getByRole("button", { name: "Connect with this token" }));

    const token = screen.getByLabelText("Token");
    expect(token.getAttribute("aria-invalid")).toBe("true");
    expect(screen.getByText("Paste the token first.")).toBeDefined();
    expect(document.activeElement).toBe(token);
    expect(ipc.connectToken).not.toHaveBeenCalled();
    expect(onChanged).not.toHaveBeenCalled();
  });

  it("sends a trimmed token with its kind and shows the error in words with its code", async () => {
    const user = userEvent.setup();
    vi.mocked(ipc.connectToken).mockRejectedValue(
      new CommandError("keychain_unavailable", "No keychain answered on this computer."),
    );
    render(<TokenConnect onChanged={vi.fn()} />);

    await user.selectOptions(screen.getByLabelText("Kind"), "service-key");
    await user.type(screen.getByLabelText("Token"), "  pat-na1-secret  ");
    await user.click(screen.getByRole("button", { name: "Connect with this token" }));

    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("No keychain answered on this computer.");
    expect(alert.textContent).toContain("keychain_unavailable");
    expect(alert.textContent).toContain("Keep the token in a file if no keychain");
    expect(ipc.connectToken).toHaveBeenCalledWith({
      baseUrl: "https://api.hubapi.com",
      token: "pat-na1-secret",
      kind: "service-key",
      insecureFileStore: false,
    });
  });
});

describe("OAuthConnect", () => {
  it("waits for approval with the consent address, and Cancel calls oauth_cancel", async () => {
    const user = userEvent.setup();
    vi.mocked(ipc.oauthStart).mockResolvedValue({
      authorize_url: AUTHORIZE_URL,
      redirect_uri: "http://localhost:42813/callback",
    });
    vi.mocked(ipc.oauthCancel).mockResolvedValue(undefined);
    render(<OAuthConnect onChanged={vi.fn()} />);

    await user.click(screen.getByRole("button", { name: "Connect in the browser" }));

    expect(await screen.findByText(/Waiting for approval in your browser…/)).toBeDefined();
    expect(screen.getByLabelText<HTMLInputElement>("Consent page address").value).toBe(AUTHORIZE_URL);
    expect(ipc.oauthStart).toHaveBeenCalledWith({
      baseUrl: "https://api.hubapi.com",
      clientId: null,
      clientSecret: null,
      insecureFileStore: false,
    });

    await user.click(screen.getByRole("button", { name: "Cancel" }));

    expect(ipc.oauthCancel).toHaveBeenCalledTimes(1);
    expect(await screen.findByText(/Connecting was cancelled/)).toBeDefined();
    expect(screen.queryByText(/Waiting for approval/)).toBeNull();
  });

  it("shows the connected portal when oauth-finished arrives", async () => {
    const user = userEvent.setup();
    const onChanged = vi.fn();
    vi.mocked(ipc.oauthStart).mockResolvedValue({
      authorize_url: AUTHORIZE_URL,
      redirect_uri: "http://localhost:42813/callback",
    });
    render(<OAuthConnect onChanged={onChanged} />);

    await user.type(screen.getByLabelText("Client ID (optional)"), "abc-123");
    await user.type(screen.getByLabelText("Client secret (optional)"), "shh");
    await user.click(screen.getByRole("button", { name: "Connect in the browser" }));
    await screen.findByText(/Waiting for approval in your browser…/);
    expect(vi.mocked(ipc.oauthStart).mock.calls[0]?.[0]).toMatchObject({ clientId: "abc-123", clientSecret: "shh" });

    expect(emitFinished).toBeDefined();
    emitFinished?.({
      connected: {
        time_zone: "Europe/Berlin",
        not_checked: [],
        checks: [{ check: "contacts read", scope: "crm.objects.contacts.read", detail: "read 1 contact" }],
        rate_limit: { max: null, remaining: null, interval_ms: null, daily: null, daily_remaining: null },
        secret_kept_in: "OS keychain (Secret Service)",
        ...portal({ scopes: ["oauth"] }),
      },
      error: null,
    });

    const status = await screen.findByText(/Connected acme\.hubspot\.com \(4412345\)/);
    expect(status.textContent).toContain("admin@acme.test");
    expect(onChanged).toHaveBeenCalledTimes(1);
  });

  it("shows why connecting failed when oauth-finished carries an error", async () => {
    const user = userEvent.setup();
    vi.mocked(ipc.oauthStart).mockResolvedValue({
      authorize_url: AUTHORIZE_URL,
      redirect_uri: "http://localhost:42813/callback",
    });
    render(<OAuthConnect onChanged={vi.fn()} />);
    await user.click(screen.getByRole("button", { name: "Connect in the browser" }));
    await screen.findByText(/Waiting for approval in your browser…/);

    emitFinished?.({
      connected: null,
      error: { code: "oauth_missing_scopes", message: "The portal did not grant crm.objects.owners.read." },
    });

    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("The portal did not grant crm.objects.owners.read.");
    expect(alert.textContent).toContain("oauth_missing_scopes");
  });
});
