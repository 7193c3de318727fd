import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";

import { DataTable, RESIZE_STEP, type DataColumn } from "./DataTable";
import { columnPrefsKey } from "./useColumnPrefs";

interface City {
  id: number;
  name: string;
  country: string;
  people: number;
}

const CITIES: City[] = [
  { id: 1, name: "Oslo", country: "Norway", people: 709_000 },
  { id: 2, name: "Bergen", country: "Norway", people: 291_000 },
  { id: 3, name: "Lisbon", country: "Portugal", people: 545_000 },
  { id: 4, name: "Porto", country: "Portugal", people: 232_000 },
];

const COLUMNS: DataColumn<City>[] = [
  { id: "name", header: "City", text: (c) => c.name, sortable: true, hideable: false, size: 200 },
  { id: "country", header: "Country", text: (c) => c.country, sortable: true },
  {
    id: "people",
    header: "People",
    text: (c) => c.people.toLocaleString("en"),
    sortValue: (c) => c.people,
    sortable: true,
    numeric: true,
  },
];

function Cities({ onSelect = vi.fn(), selected = null }: { onSelect?: (city: City) => void; selected?: number | null }) {
  return (
    <DataTable<City>
      tableId="cities"
      label="Cities"
      testId="cities"
      columns={COLUMNS}
      data={CITIES}
      rowKey={(c) => c.id}
      selectedKey={selected}
      onSelect={onSelect}
      rowAttributes={(c) => ({ "data-testid": "city-row", "data-name": c.name })}
    />
  );
}

/** The cities in the order the table shows them. */
function shown(): (string | undefined)[] {
  return screen.getAllByTestId("city-row").map((r) => r.dataset.name);
}

function header(name: string): HTMLElement {
  const cell = screen.getByRole("button", { name }).closest<HTMLElement>("[role=columnheader]");
  if (!cell) throw new Error(`no header ${name}`);
  return cell;
}

beforeEach(() => {
  window.localStorage.clear();
});

describe("DataTable", () => {
  it("sorts an in-memory table by a clicked header, then the other way, and says so with aria-sort", async () => {
    const user = userEvent.setup();
    render(<Cities />);
    expect(shown()).toEqual(["Oslo", "Bergen", "Lisbon", "Porto"]);
    expect(header("City").getAttribute("aria-sort")).toBe("none");

    await user.click(screen.getByRole("button", { name: "People" }));
    expect(shown()).toEqual(["Porto", "Bergen", "Lisbon", "Oslo"]);
    expect(header("People").getAttribute("aria-sort")).toBe("ascending");
    await user.click(screen.getByRole("button", { name: "People" }));
    expect(shown()).toEqual(["Oslo", "Lisbon", "Bergen", "Porto"]);
    expect(header("People").getAttribute("aria-sort")).toBe("descending");
    expect(header("City").getAttribute("aria-sort")).toBe("none");
  });

  it("sorts from the keyboard: Enter or Space on a header", async () => {
    const user = userEvent.setup();
    render(<Cities />);
    screen.getByRole("button", { name: "City" }).focus();
    await user.keyboard("{Enter}");
    expect(shown()).toEqual(["Bergen", "Lisbon", "Oslo", "Porto"]);
    await user.keyboard(" ");
    expect(shown()).toEqual(["Porto", "Oslo", "Lisbon", "Bergen"]);
    expect(header("City").getAttribute("aria-sort")).toBe("descending");
  });

  it("hides and shows a column from the Columns menu, and remembers it when opened again", async () => {
    const user = userEvent.setup();
    const { unmount } = render(<Cities />);
    await user.click(screen.getByRole("button", { name: /^Columns/ }));
    const menu = screen.getByRole("group", { name: "Columns to show in Cities" });
    // The column that names a row stays.
    expect(within(menu).getByLabelText("City")).toHaveProperty("disabled", true);
    await user.click(within(menu).getByLabelText("Country"));
    expect(screen.queryByRole("columnheader", { name: /Country/ })).toBeNull();
    expect(screen.queryByText("Norway")).toBeNull();
    await user.keyboard("{Escape}");
    expect(screen.queryByRole("group", { name: "Columns to show in Cities" })).toBeNull();
    unmount();

    render(<Cities />);
    expect(screen.queryByRole("columnheader", { name: /Country/ })).toBeNull();
    expect(screen.getByRole("button", { name: "Columns (2/3)" })).toBeTruthy();
    await user.click(screen.getByRole("button", { name: /^Columns/ }));
    await user.click(screen.getByLabelText("Country"));
    expect(screen.getAllByText("Norway")).toHaveLength(2);
    expect(window.localStorage.getItem(columnPrefsKey("cities"))).toBeNull();
  });

  it("resizes a column with the arrow keys on its edge, and remembers the width", async () => {
    const user = userEvent.setup();
    const { unmount } = render(<Cities />);
    const edge = screen.getByRole("separator", { name: "Resize the City column" });
    expect(edge.getAttribute("aria-valuenow")).toBe("200");
    edge.focus();
    await user.keyboard("{ArrowRight}{ArrowRight}");
    expect(edge.getAttribute("aria-valuenow")).toBe(String(200 + 2 * RESIZE_STEP));
    await user.keyboard("{ArrowLeft}");
    expect(edge.getAttribute("aria-valuenow")).toBe(String(200 + RESIZE_STEP));
    const head = screen.getAllByRole("row")[0];
    expect(head?.style.gridTemplateColumns.startsWith(`${String(200 + RESIZE_STEP)}px `)).toBe(true);
    unmount();

    render(<Cities />);
    const again = screen.getByRole("separator", { name: "Resize the City column" });
    expect(again.getAttribute("aria-valuenow")).toBe(String(200 + RESIZE_STEP));
    again.focus();
    await user.keyboard("{Home}");
    expect(again.getAttribute("aria-valuenow")).toBe("200");
  });

  it("resizes a column by dragging its edge", async () => {
    const user = userEvent.setup();
    render(<Cities />);
    const edge = screen.getByRole("separator", { name: "Resize the City column" });
    await user.pointer([
      { keys: "[MouseLeft>]", target: edge, coords: { clientX: 200 } },
      { target: edge, coords: { clientX: 260 } },
      { keys: "[/MouseLeft]", target: edge, coords: { clientX: 260 } },
    ]);
    expect(edge.getAttribute("aria-valuenow")).toBe("260");
  });

  it("selects a row by a click, or by the arrow keys and Enter", async () => {
    const user = userEvent.setup();
    const onSelect = vi.fn();
    render(<Cities onSelect={onSelect} selected={3} />);
    const lisbon = screen.getAllByTestId("city-row")[2];
    expect(lisbon?.getAttribute("aria-selected")).toBe("true");
    await user.click(screen.getByText("Bergen"));
    expect(onSelect).toHaveBeenLastCalledWith(CITIES[1], 1);
    await user.keyboard("{ArrowDown}{ArrowDown}{Enter}");
    expect(onSelect).toHaveBeenLastCalledWith(CITIES[3], 3);
    await user.keyboard("{Home} ");
    expect(onSelect).toHaveBeenLastCalledWith(CITIES[0], 0);
  });
});
