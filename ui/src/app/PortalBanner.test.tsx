import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";

import { CommandError } from "../shared/commandError";
import { portal, sandboxPortal } from "../test/fixtures";
import { PortalBanner } from "./PortalBanner";

const summary = { baseUrl: "http://127.0.0.1:40123", portalId: 100_200, contactCount: 250 };

describe("PortalBanner", () => {
  it("marks the built-in sandbox portal with the test ids the window test reads", () => {
    render(
      <PortalBanner
        overview={{ status: "ready", value: { active: sandboxPortal, portals: [sandboxPortal] } }}
        sandbox={{ status: "ready", value: summary }}
      />,
    );
    const banner = screen.getByTestId("sandbox-banner");
    expect(screen.getByTestId("portal-environment").textContent).toBe("Built-in sandbox");
    expect(banner.textContent).toContain("Sandbox portal");
    expect(screen.getByTestId("portal-id").textContent).toBe("100200");
    expect(screen.getByTestId("contact-count").textContent).toBe("250");
    expect(screen.getByTestId("base-url").textContent).toBe("http://127.0.0.1:40123");
    expect(screen.queryByTestId("portal-banner")).toBeNull();
  });

  it("names a HubSpot portal without calling it a sandbox", () => {
    const hubspot = portal();
    render(
      <PortalBanner
        overview={{ status: "ready", value: { active: hubspot, portals: [hubspot, sandboxPortal] } }}
        sandbox={{ status: "ready", value: summary }}
      />,
    );
    const banner = screen.getByTestId("portal-banner");
    expect(banner.textContent).toContain("HubSpot portal");
    expect(banner.textContent).not.toMatch(/sandbox/i);
    // A live portal says so by its badge: runs here write to real contacts.
    expect(screen.getByTestId("portal-environment").textContent).toBe("Production");
    expect(screen.getByTestId("portal-name").textContent).toBe("acme.hubspot.com");
    expect(screen.getByTestId("portal-id").textContent).toBe("4412345");
    expect(screen.queryByTestId("sandbox-banner")).toBeNull();
  });

  it("says when a HubSpot portal needs reconnecting, and why", () => {
    const stale = portal({ status: "reconnect-needed", status_detail: "HubSpot refused the refresh token." });
    render(
      <PortalBanner
        overview={{ status: "ready", value: { active: stale, portals: [stale] } }}
        sandbox={{ status: "loading" }}
      />,
    );
    const banner = screen.getByTestId("portal-banner");
    expect(banner.textContent).toContain("Reconnect needed");
    expect(banner.textContent).toContain("HubSpot refused the refresh token.");
  });

  it("shows the sandbox's error only when the sandbox is the active portal", () => {
    const error = new CommandError("sandbox_stopped", "The built-in sandbox portal stopped.");
    render(
      <PortalBanner
        overview={{ status: "ready", value: { active: sandboxPortal, portals: [sandboxPortal] } }}
        sandbox={{ status: "failed", error }}
      />,
    );
    expect(screen.getByTestId("sandbox-error").textContent).toContain("sandbox_stopped");
  });
});
