import { describe, expect, it } from "vitest";

import type { LastFiringView } from "../bindings/LastFiringView";
import { cadenceWords, lastWords, timeZones, untilWords } from "./words";

function last(outcome: LastFiringView["outcome"], detail: string | null = null): LastFiringView {
  return { outcome, run_id: null, detail, ended_at: "2026-12-07T12:00:00Z" };
}

describe("schedule words", () => {
  it("words each cadence, minutes as hours when they are", () => {
    expect(cadenceWords({ kind: "every", minutes: 15 }, "Europe/Paris")).toBe("Every 15 minutes");
    expect(cadenceWords({ kind: "every", minutes: 1 }, "UTC")).toBe("Every minute");
    expect(cadenceWords({ kind: "every", minutes: 60 }, "UTC")).toBe("Every hour");
    expect(cadenceWords({ kind: "every", minutes: 180 }, "UTC")).toBe("Every 3 hours");
    expect(cadenceWords({ kind: "every", minutes: 90 }, "UTC")).toBe("Every 90 minutes");
    expect(cadenceWords({ kind: "daily", at: "07:00" }, "Europe/Paris")).toBe("Daily at 07:00 (Europe/Paris)");
    expect(cadenceWords({ kind: "weekdays", at: "18:30" }, "America/New_York")).toBe(
      "Weekdays, Monday to Friday, at 18:30 (America/New_York)",
    );
  });

  it("says how long until a run, from a clock passed in", () => {
    const now = Date.parse("2026-12-07T12:00:00Z");
    expect(untilWords("2026-12-07T12:00:00Z", now)).toBe("due now");
    expect(untilWords("2026-12-07T12:00:40Z", now)).toBe("in under a minute");
    expect(untilWords("2026-12-07T12:04:10Z", now)).toBe("in 4 min");
    expect(untilWords("2026-12-07T14:05:00Z", now)).toBe("in 2 h 5 min");
    expect(untilWords("2026-12-07T15:00:00Z", now)).toBe("in 3 h");
    expect(untilWords("2026-12-10T12:00:00Z", now)).toBe("in 3 days");
  });

  it("words a last firing from its outcome and its detail's code", () => {
    expect(lastWords(last("completed"))).toBe("Completed");
    expect(lastWords(last("completed", "nothing-to-write"))).toBe("Nothing to write");
    expect(lastWords(last("held"))).toBe("Held by a guardrail: approve or refuse it in History");
    expect(lastWords(last("stopped", "failed-share"))).toBe(
      "Stopped itself at the failed share: its other rows wait to be resumed",
    );
    expect(lastWords(last("stopped"))).toBe("Stopped with rows left to write: resume it in History");
    expect(lastWords(last("failed", "hubspot_unreachable"))).toBe("Failed: HubSpot could not be reached");
    expect(lastWords(last("failed", "something_new"))).toBe("Failed: an error");
    expect(lastWords(last("waited", "run-12"))).toBe("Waited for its next time: run 12 was under way on the portal");
    expect(lastWords(last("waited", "schedule-3"))).toBe("Waited for its next time: schedule 3 was running");
    expect(lastWords(last("waited", "job"))).toBe("Waited for its next time: another sync was running in this app");
    expect(lastWords(last("waited", "portal-not-active"))).toBe(
      "Waited for its next time: its portal was not the active one",
    );
  });

  it("offers the computer's zone among the zones, each once", () => {
    const zones = timeZones("Etc/Unknown-Test");
    expect(zones).toContain("Etc/Unknown-Test");
    expect(zones).toContain("Europe/Paris");
    expect(new Set(zones).size).toBe(zones.length);
  });
});
