import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";

import type { MappingImport } from "../bindings/MappingImport";
import * as leadsIpc from "../leads/ipc";
import { CommandError } from "../shared/commandError";
import * as ipc from "./ipc";
import { MappingFileCard } from "./MappingFileCard";

vi.mock("./ipc", () => ({
  exportMappingFile: vi.fn(),
  previewMappingFile: vi.fn(),
  importMappingFile: vi.fn(),
}));
vi.mock("../leads/ipc", () => ({ openSavedFolder: vi.fn() }));

const PREVIEW: MappingImport = {
  plan: {
    new_fields: [{ key: "plan", label: "Plan", type: "single_choice", options: ["free", "pro"] }],
    added: [{ field_key: "plan", property: "plan_tier", write_rule: "if-empty" }],
    changed: [
      {
        before: { field_key: "company", property: "company", write_rule: "overwrite" },
        after: { field_key: "company", property: "company", write_rule: "if-empty" },
      },
    ],
    removed: [{ field_key: "phone", property: "phone", write_rule: "overwrite" }],
    unchanged: 2,
  },
  checked_in_hubspot: true,
  warning: null,
};

const FILE_TEXT = '{"format":"hubsync-mapping","version":1,"mappings":[]}';

beforeEach(() => {
  for (const f of Object.values(ipc)) vi.mocked(f).mockReset();
});

describe("MappingFileCard", () => {
  it("exports into a file and shows its path with Open folder", async () => {
    const user = userEvent.setup();
    vi.mocked(ipc.exportMappingFile).mockResolvedValue({ path: "/home/ana/Downloads/hubsync-mapping-1-x.json", rows: 3, fields: 1 });
    vi.mocked(leadsIpc.openSavedFolder).mockResolvedValue();
    render(<MappingFileCard onImported={vi.fn()} />);
    await user.click(screen.getByTestId("mapping-export"));
    expect((await screen.findByTestId("mapping-export-path")).textContent).toBe("/home/ana/Downloads/hubsync-mapping-1-x.json");
    expect(screen.getByTestId("mapping-exported").textContent).toContain("Saved 3 rows and 1 custom field to");
    await user.click(screen.getByRole("button", { name: "Open folder" }));
    expect(leadsIpc.openSavedFolder).toHaveBeenCalledWith("/home/ana/Downloads/hubsync-mapping-1-x.json");
  });

  it("previews what a file changes and imports it only on confirm", async () => {
    const user = userEvent.setup();
    const onImported = vi.fn();
    vi.mocked(ipc.previewMappingFile).mockResolvedValue(PREVIEW);
    vi.mocked(ipc.importMappingFile).mockResolvedValue(PREVIEW);
    render(<MappingFileCard onImported={onImported} />);
    await user.upload(screen.getByLabelText("Import a mapping file"), new File([FILE_TEXT], "mapping.json"));

    const preview = await screen.findByTestId("mapping-import-preview");
    expect(ipc.previewMappingFile).toHaveBeenCalledWith(FILE_TEXT);
    expect(preview.textContent).toContain("add the custom field plan (single_choice)");
    expect(preview.textContent).toContain("add plan → plan_tier (only if empty)");
    expect(preview.textContent).toContain("change company → company (overwrite) to company → company (only if empty)");
    expect(preview.textContent).toContain("remove phone → phone (overwrite)");
    expect(preview.textContent).toContain("2 rows stay as they are");
    expect(ipc.importMappingFile).not.toHaveBeenCalled();
    expect(document.activeElement).toBe(screen.getByTestId("mapping-import-confirm"));

    await user.click(screen.getByTestId("mapping-import-confirm"));
    expect(ipc.importMappingFile).toHaveBeenCalledWith(FILE_TEXT);
    expect((await screen.findByTestId("mapping-import-done")).textContent).toBe(
      "Imported mapping.json: 1 added, 1 changed, 1 removed, 1 new field.",
    );
    expect(onImported).toHaveBeenCalledOnce();
    expect(screen.queryByTestId("mapping-import-preview")).toBeNull();
  });

  it("says in the dialog why an import failed, and keeps the preview open", async () => {
    const user = userEvent.setup();
    const onImported = vi.fn();
    vi.mocked(ipc.previewMappingFile).mockResolvedValue(PREVIEW);
    vi.mocked(ipc.importMappingFile).mockRejectedValue(new CommandError("store_error", "lead store: disk full"));
    render(<MappingFileCard onImported={onImported} />);
    await user.upload(screen.getByLabelText("Import a mapping file"), new File([FILE_TEXT], "mapping.json"));
    const preview = await screen.findByRole("dialog", { name: "Importing mapping.json will:" });
    await user.click(within(preview).getByTestId("mapping-import-confirm"));
    const error = await within(preview).findByTestId("mapping-file-error");
    expect(error.textContent).toContain("The file mapping.json was not imported");
    expect(error.textContent).toContain("disk full");
    expect(onImported).not.toHaveBeenCalled();
  });

  it("Escape cancels the preview without importing", async () => {
    const user = userEvent.setup();
    vi.mocked(ipc.previewMappingFile).mockResolvedValue(PREVIEW);
    render(<MappingFileCard onImported={vi.fn()} />);
    await user.upload(screen.getByLabelText("Import a mapping file"), new File([FILE_TEXT], "mapping.json"));
    await screen.findByTestId("mapping-import-preview");
    await user.keyboard("{Escape}");
    expect(screen.queryByTestId("mapping-import-preview")).toBeNull();
    expect(ipc.importMappingFile).not.toHaveBeenCalled();
  });

  it("shows every problem of a bad file and offers no import", async () => {
    const user = userEvent.setup();
    vi.mocked(ipc.previewMappingFile).mockRejectedValue(
      new CommandError(
        "invalid_mapping_file",
        "the mapping file can't be imported, so nothing was changed:\n  - the row x → nope: HubSpot has no contact property \"nope\"\n  - the field plan is defined twice; keep one",
      ),
    );
    render(<MappingFileCard onImported={vi.fn()} />);
    await user.upload(screen.getByLabelText("Import a mapping file"), new File(["{}"], "bad.json"));
    const error = await screen.findByTestId("mapping-file-error");
    expect(error.textContent).toContain("The file bad.json can’t be imported");
    expect(error.textContent).toContain('HubSpot has no contact property "nope"');
    expect(error.textContent).toContain("defined twice");
    expect(screen.queryByTestId("mapping-import-confirm")).toBeNull();
  });

  it("a file that changes nothing can't be imported", async () => {
    const user = userEvent.setup();
    vi.mocked(ipc.previewMappingFile).mockResolvedValue({
      ...PREVIEW,
      plan: { new_fields: [], added: [], changed: [], removed: [], unchanged: 4 },
    });
    render(<MappingFileCard onImported={vi.fn()} />);
    await user.upload(screen.getByLabelText("Import a mapping file"), new File([FILE_TEXT], "same.json"));
    expect((await screen.findByTestId("mapping-import-preview")).textContent).toContain("matches the current mapping");
    expect(screen.getByTestId<HTMLButtonElement>("mapping-import-confirm").disabled).toBe(true);
  });
});
