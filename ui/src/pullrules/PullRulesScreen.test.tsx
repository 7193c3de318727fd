import { act, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";

import type { ConditionProperty } from "../bindings/ConditionProperty";
import type { PullRules } from "../bindings/PullRules";
import { StoreChangesContext } from "../shared/storeChanges";
import * as ipc from "./ipc";
import { PullRulesScreen } from "./PullRulesScreen";

vi.mock("./ipc", () => ({ pullRules: vi.fn(), pullRuleProperties: vi.fn(), setPullRules: vi.fn() }));

const EVERY: PullRules = { conditions: [], newOnly: false, modifiedSince: null, sinceLastPull: false };

function property(name: string, type: string, operators: ConditionProperty["operators"], options: string[] = []) {
  return { name, label: name.toUpperCase(), type, operators, options: options.map((o) => ({ value: o, label: `${o} label` })) };
}

const PROPERTIES: ConditionProperty[] = [
  property("owner", "owner", ["equals", "not-equals", "one-of", "known", "unknown"]),
  property("lifecyclestage", "enumeration", ["equals", "not-equals", "one-of", "known", "unknown"], ["lead", "customer"]),
  property("num_employees", "number", ["equals", "not-equals", "one-of", "greater-than", "less-than", "between", "known", "unknown"]),
  property("company", "string", ["equals", "not-equals", "one-of", "contains", "known", "unknown"]),
];

beforeEach(() => {
  vi.mocked(ipc.pullRules).mockResolvedValue(EVERY);
  vi.mocked(ipc.pullRuleProperties).mockResolvedValue({ properties: PROPERTIES, unavailable: null });
  vi.mocked(ipc.setPullRules).mockReset();
});

async function firstCondition(user: ReturnType<typeof userEvent.setup>) {
  await user.click(await screen.findByTestId("pull-mode-filter"));
  return screen.getByTestId("pull-condition");
}

function operatorsOf(row: HTMLElement): string[] {
  return within(row)
    .getAllByRole("option")
    .filter((o) => o.parentElement === within(row).getByTestId("condition-operator"))
    .map((o) => (o as HTMLOptionElement).value);
}

describe("PullRulesScreen", () => {
  it("offers only the operators the core gives for the property's type, and shows the type", async () => {
    const user = userEvent.setup();
    render(<PullRulesScreen />);
    const row = await firstCondition(user);
    expect(within(row).getByTestId<HTMLSelectElement>("condition-operator").disabled).toBe(true);

    await user.type(within(row).getByTestId("condition-property"), "num_employees");
    expect(within(row).getByTestId("condition-type").textContent).toBe("NUM_EMPLOYEES · number");
    expect(operatorsOf(row)).toEqual(PROPERTIES[2]?.operators);
    expect(within(row).getByTestId<HTMLInputElement>("condition-value").type).toBe("number");

    await user.clear(within(row).getByTestId("condition-property"));
    await user.type(within(row).getByTestId("condition-property"), "company");
    expect(operatorsOf(row)).toEqual(["equals", "not-equals", "one-of", "contains", "known", "unknown"]);
  });

  it("hides the value input for has-a-value / has-no-value, and shows two for between", async () => {
    const user = userEvent.setup();
    render(<PullRulesScreen />);
    const row = await firstCondition(user);
    await user.type(within(row).getByTestId("condition-property"), "num_employees");
    await user.selectOptions(within(row).getByTestId("condition-operator"), "known");
    expect(within(row).queryByTestId("condition-value")).toBeNull();
    await user.selectOptions(within(row).getByTestId("condition-operator"), "between");
    expect(within(row).getByLabelText("From")).toBeTruthy();
    expect(within(row).getByLabelText("To")).toBeTruthy();
  });

  it("offers a choice property's options and saves the shape the core takes", async () => {
    const user = userEvent.setup();
    vi.mocked(ipc.setPullRules).mockImplementation((rules) => Promise.resolve({ saved: true, rules, problems: [], filters: [] }));
    render(<PullRulesScreen />);
    const row = await firstCondition(user);
    await user.type(within(row).getByTestId("condition-property"), "lifecyclestage");
    await user.selectOptions(within(row).getByTestId("condition-operator"), "one-of");
    await user.selectOptions(within(row).getByTestId("condition-value"), ["lead", "customer"]);

    await user.click(screen.getByTestId("pull-add-condition"));
    const second = screen.getAllByTestId("pull-condition")[1];
    if (second === undefined) throw new Error("no second row");
    await user.type(within(second).getByTestId("condition-property"), "company");
    await user.selectOptions(within(second).getByTestId("condition-operator"), "contains");
    await user.type(within(second).getByTestId("condition-value"), " Acme ");
    await user.click(screen.getByTestId("pull-new-only"));
    expect(screen.getByTestId("pull-rules-unsaved")).toBeTruthy();

    await user.click(screen.getByTestId("pull-rules-save"));
    expect(ipc.setPullRules).toHaveBeenCalledWith({
      conditions: [
        { property: "lifecyclestage", operator: "one-of", values: ["lead", "customer"] },
        { property: "company", operator: "contains", values: ["Acme"] },
      ],
      newOnly: true,
      modifiedSince: null,
      sinceLastPull: false,
    });
    expect((await screen.findByTestId("pull-rules-saved")).textContent).toBe("The pull rules are saved.");
    expect(screen.queryByTestId("pull-rules-unsaved")).toBeNull();
  });

  it("tells what is missing before saving, by row, and sends nothing", async () => {
    const user = userEvent.setup();
    render(<PullRulesScreen />);
    const row = await firstCondition(user);
    await user.type(within(row).getByTestId("condition-property"), "num_employees");
    await user.click(screen.getByTestId("pull-add-condition"));
    const second = screen.getAllByTestId("pull-condition")[1];
    if (second === undefined) throw new Error("no second row");
    await user.type(within(second).getByTestId("condition-property"), "nosuch");
    await user.click(screen.getByTestId("pull-rules-save"));

    expect(within(row).getByTestId("condition-error").textContent).toBe("Condition 1: Enter a value.");
    expect(within(second).getByTestId("condition-error").textContent).toBe(
      "Condition 2: HubSpot has no property “nosuch”: choose one from the list.",
    );
    expect(screen.getByTestId("pull-rules-problems").textContent).toContain("not saved");
    expect(ipc.setPullRules).not.toHaveBeenCalled();
  });

  it("shows the core's problems by their rows, and the ones about the whole rule", async () => {
    const user = userEvent.setup();
    vi.mocked(ipc.setPullRules).mockImplementation((rules) =>
      Promise.resolve({
        saved: false,
        rules,
        filters: [],
        problems: [
          { condition: 0, message: "no HubSpot owner has the email ghost@acme.test" },
          { condition: null, message: "drop a condition" },
        ],
      }),
    );
    render(<PullRulesScreen />);
    const row = await firstCondition(user);
    await user.type(within(row).getByTestId("condition-property"), "owner");
    expect(within(row).getByTestId<HTMLInputElement>("condition-value").type).toBe("email");
    await user.type(within(row).getByTestId("condition-value"), "ghost@acme.test");
    await user.click(screen.getByTestId("pull-rules-save"));

    expect((await within(row).findByTestId("condition-error")).textContent).toBe(
      "Condition 1: no HubSpot owner has the email ghost@acme.test",
    );
    expect(screen.getByTestId("pull-rules-problems").textContent).toContain("drop a condition");
    expect(screen.getByTestId("pull-rules-unsaved")).toBeTruthy();
  });

  it("loads saved rules into the form; All contacts saves no conditions", async () => {
    const user = userEvent.setup();
    vi.mocked(ipc.pullRules).mockResolvedValue({
      conditions: [{ property: "company", operator: "one-of", values: ["acme", "globex"] }],
      newOnly: false,
      modifiedSince: "2026-05-01T00:00:00Z",
      sinceLastPull: true,
    });
    vi.mocked(ipc.setPullRules).mockImplementation((rules) => Promise.resolve({ saved: true, rules, problems: [], filters: [] }));
    render(<PullRulesScreen />);
    const row = await screen.findByTestId("pull-condition");
    expect(within(row).getByTestId<HTMLInputElement>("condition-value").value).toBe("acme, globex");
    expect(screen.getByTestId<HTMLInputElement>("pull-since-last-pull").checked).toBe(true);
    expect(screen.getByTestId<HTMLButtonElement>("pull-rules-save").disabled).toBe(true);

    await user.click(screen.getByTestId("pull-mode-all"));
    await user.click(screen.getByTestId("pull-rules-save"));
    expect(ipc.setPullRules).toHaveBeenCalledWith({
      conditions: [],
      newOnly: false,
      modifiedSince: "2026-05-01T00:00:00.000Z",
      sinceLastPull: true,
    });
  });

  it("follows rules another process saved, but keeps a draft the admin is editing", async () => {
    const user = userEvent.setup();
    const byCompany: PullRules = { ...EVERY, conditions: [{ property: "company", operator: "equals", values: ["acme"] }] };
    const { rerender } = render(
      <StoreChangesContext.Provider value={0}>
        <PullRulesScreen />
      </StoreChangesContext.Provider>,
    );
    expect((await screen.findByTestId<HTMLInputElement>("pull-mode-all")).checked).toBe(true);

    // The command line saved a filter: the untouched form shows it.
    vi.mocked(ipc.pullRules).mockResolvedValue(byCompany);
    rerender(
      <StoreChangesContext.Provider value={1}>
        <PullRulesScreen />
      </StoreChangesContext.Provider>,
    );
    const row = await screen.findByTestId("pull-condition");
    expect(within(row).getByTestId<HTMLInputElement>("condition-value").value).toBe("acme");
    expect(screen.queryByTestId("pull-rules-unsaved")).toBeNull();

    // The admin edits; the command line saves again meanwhile: the edit stays, marked unsaved.
    await user.click(screen.getByTestId("pull-new-only"));
    vi.mocked(ipc.pullRules).mockResolvedValue({ ...byCompany, sinceLastPull: true });
    const reads = vi.mocked(ipc.pullRules).mock.calls.length;
    const propertyReads = vi.mocked(ipc.pullRuleProperties).mock.calls.length;
    rerender(
      <StoreChangesContext.Provider value={2}>
        <PullRulesScreen />
      </StoreChangesContext.Provider>,
    );
    await waitFor(() => {
      expect(ipc.pullRules).toHaveBeenCalledTimes(reads + 1);
    });
    await act(() => vi.mocked(ipc.pullRules).mock.results[reads]?.value as Promise<PullRules>);
    expect(screen.getByTestId<HTMLInputElement>("pull-new-only").checked).toBe(true);
    expect(screen.getByTestId<HTMLInputElement>("pull-since-last-pull").checked).toBe(false);
    expect(screen.getByTestId("pull-rules-unsaved")).toBeTruthy();
    // The properties come from HubSpot, not the store: not read again.
    expect(ipc.pullRuleProperties).toHaveBeenCalledTimes(propertyReads);
  });

  it("says when HubSpot can't be reached", async () => {
    vi.mocked(ipc.pullRuleProperties).mockResolvedValue({ properties: [], unavailable: "connection refused" });
    render(<PullRulesScreen />);
    expect((await screen.findByTestId("pull-offline-notice")).textContent).toContain("connection refused");
  });
});

describe("modified since", () => {
  it("shows a saved instant to the second, so unchanged rules don't look edited", async () => {
    vi.mocked(ipc.pullRules).mockResolvedValue({ ...EVERY, modifiedSince: "2026-05-01T09:30:15Z" });
    render(<PullRulesScreen />);
    const since = await screen.findByTestId<HTMLInputElement>("pull-modified-since");
    expect(new Date(since.value).toISOString()).toBe("2026-05-01T09:30:15.000Z");
    expect(screen.queryByTestId("pull-rules-unsaved")).toBeNull();
  });

  it("shows no date box until “modified since” is asked for, then starts it at midnight today", async () => {
    const user = userEvent.setup();
    vi.mocked(ipc.setPullRules).mockImplementation((rules) => Promise.resolve({ saved: true, rules, problems: [], filters: [] }));
    render(<PullRulesScreen />);
    const on = await screen.findByTestId<HTMLInputElement>("pull-modified-since-on");
    expect(on.checked).toBe(false);
    expect(screen.queryByTestId("pull-modified-since")).toBeNull();

    await user.click(on);
    const since = screen.getByTestId<HTMLInputElement>("pull-modified-since");
    const midnight = new Date();
    midnight.setHours(0, 0, 0, 0);
    expect(new Date(since.value).getTime()).toBe(midnight.getTime());
    await user.click(screen.getByTestId("pull-rules-save"));
    expect(ipc.setPullRules).toHaveBeenLastCalledWith({ ...EVERY, modifiedSince: midnight.toISOString() });

    await user.click(on);
    expect(screen.queryByTestId("pull-modified-since")).toBeNull();
    await user.click(screen.getByTestId("pull-rules-save"));
    expect(ipc.setPullRules).toHaveBeenLastCalledWith(EVERY);
  });
});
