import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";

import type { Imported } from "../bindings/Imported";
import type { ImportInspection } from "../bindings/ImportInspection";
import { CommandError } from "../shared/ipc";
import { ImportWizard } from "./ImportWizard";
import * as ipc from "./ipc";
import { FIELDS } from "./testData";

vi.mock("./ipc", async (importOriginal) => {
  const actual = await importOriginal<typeof import("./ipc")>();
  return { ...actual, csvImportRun: vi.fn(), openSavedFolder: vi.fn() };
});

const INSPECTION: ImportInspection = {
  token: "18c-2",
  file_name: "people.csv",
  delimiter: "semicolon",
  columns: [
    { column: "E-mail", field: "email", matched_by: "label" },
    { column: "Town", field: null, matched_by: "unmatched" },
    { column: "First Name", field: "first_name", matched_by: "label" },
  ],
  samples: [
    ["ann@example.com", "Oslo", "Ann"],
    ["bo@example.com", "Bergen", "Bo"],
  ],
};

function imported(overrides: Partial<Imported> = {}): Imported {
  return {
    file: "people",
    dry_run: false,
    delimiter: "semicolon",
    columns: [],
    rows: 4,
    blank: 0,
    added: 2,
    updated: 1,
    skipped: [{ row: 4, message: "\"not-an-email\" is not a valid email address" }],
    errors_file: "/home/ann/Downloads/people-errors-20261124-120000.csv",
    removed_errors_file: null,
    ...overrides,
  };
}

/** The columns step's row for a column. */
function column(name: string): HTMLElement {
  const row = screen.getAllByTestId("import-column").find((r) => r.getAttribute("data-column") === name);
  if (!row) throw new Error(`no column ${name}`);
  return row;
}

beforeEach(() => {
  vi.mocked(ipc.csvImportRun).mockReset();
});

describe("ImportWizard", () => {
  it("shows each column with its field and samples, and sends the columns as chosen", async () => {
    const user = userEvent.setup();
    const onImported = vi.fn();
    vi.mocked(ipc.csvImportRun).mockResolvedValue({ file_name: "people.csv", imported: imported() });
    render(<ImportWizard inspection={INSPECTION} fields={FIELDS} onClose={vi.fn()} onImported={onImported} />);
    const mapping = screen.getByTestId("import-mapping");
    expect(mapping.textContent).toContain("semicolons");
    const rows = within(mapping).getAllByTestId("import-column");
    expect(rows.map((r) => r.getAttribute("data-column"))).toEqual(["E-mail", "Town", "First Name"]);
    const town = column("Town");
    expect(town.textContent).toContain("Oslo · Bergen");
    expect(within(town).getByRole<HTMLSelectElement>("combobox").value).toBe("");
    await user.selectOptions(within(town).getByRole("combobox"), "city");
    await user.selectOptions(within(column("First Name")).getByRole("combobox"), "");
    await user.click(screen.getByTestId("import-confirm"));
    expect(ipc.csvImportRun).toHaveBeenCalledWith(
      {
        token: "18c-2",
        fileName: "people.csv",
        columns: [
          { column: "E-mail", field: "email" },
          { column: "Town", field: "city" },
          { column: "First Name", field: null },
        ],
        skipBadRows: true,
        dryRun: false,
      },
      expect.any(Function),
    );
    const result = await screen.findByTestId("import-result");
    expect(within(result).getByTestId("import-added").textContent).toBe("2");
    expect(within(result).getByTestId("import-updated").textContent).toBe("1");
    expect(within(result).getByTestId("import-skipped").textContent).toBe("1");
    const errors = within(result).getByTestId("import-row-errors");
    expect(errors.textContent).toContain("4");
    expect(errors.textContent).toContain("is not a valid email address");
    expect(within(result).getByTestId("import-report-path").textContent).toBe(
      "/home/ann/Downloads/people-errors-20261124-120000.csv",
    );
    expect(onImported).toHaveBeenCalled();
  });

  it("won't start without an email column or with two columns for one field", async () => {
    const user = userEvent.setup();
    render(<ImportWizard inspection={INSPECTION} fields={FIELDS} onClose={vi.fn()} onImported={vi.fn()} />);
    const [email, town] = [column("E-mail"), column("Town")];
    await user.selectOptions(within(town).getByRole("combobox"), "first_name");
    expect(screen.getByTestId("import-mapping-problems").textContent).toContain("“Town” and “First Name” all go to First name");
    expect(screen.getByTestId<HTMLButtonElement>("import-confirm").disabled).toBe(true);
    await user.selectOptions(within(town).getByRole("combobox"), "");
    await user.selectOptions(within(email).getByRole("combobox"), "");
    expect(screen.getByTestId("import-mapping-problems").textContent).toContain("Choose the column that holds the email");
    expect(ipc.csvImportRun).not.toHaveBeenCalled();
  });

  it("checks without importing, then imports, and shows a refusal in words", async () => {
    const user = userEvent.setup();
    const onImported = vi.fn();
    vi.mocked(ipc.csvImportRun).mockResolvedValueOnce({
      file_name: "people.csv",
      imported: imported({ dry_run: true, errors_file: null }),
    });
    vi.mocked(ipc.csvImportRun).mockRejectedValueOnce(
      new CommandError("invalid_rows", "people.csv can't be imported: 1 of the rows are invalid, so nothing was written"),
    );
    render(<ImportWizard inspection={INSPECTION} fields={FIELDS} onClose={vi.fn()} onImported={onImported} />);
    await user.click(screen.getByTestId("import-dry-run"));
    expect((await screen.findByTestId("import-result")).textContent).toContain("Check: nothing was written");
    expect(onImported).not.toHaveBeenCalled();
    await user.click(screen.getByRole("checkbox", { name: /Skip bad rows/ }));
    await user.click(screen.getByTestId("import-confirm"));
    expect(vi.mocked(ipc.csvImportRun).mock.calls[1]?.[0]).toMatchObject({ skipBadRows: false, dryRun: false });
    expect((await screen.findByRole("alert")).textContent).toContain("nothing was written");
    expect(onImported).not.toHaveBeenCalled();
  });
});
