// A run's row in words: why it is skipped or invalid and what to do about it, and what each
// field's write rule did. The run history keeps codes (`RowReason`); the words are made here.

import type { FieldChange } from "../bindings/FieldChange";
import type { RowReason } from "../bindings/RowReason";
import type { RunKind } from "../bindings/RunKind";
import type { WriteRule } from "../bindings/WriteRule";
import { keptWords } from "./words";

/** The undo's options as its form (History's run detail) labels them, for the words that name them. */
export const ARCHIVE_CREATED = "Archive the contacts and companies it created";
export const FORCE = "Restore every value, even ones changed in HubSpot since this run";

export interface ReasonWords {
  /** What holds the row back, as a sentence. */
  why: string;
  /** What would change it, as a sentence; `null` where nothing in Hubsync would. */
  todo: string | null;
}

/** A value as a sentence quotes it: “value”, or "empty" (empty and absent are one to HubSpot). */
export function quotedValue(value: string | null): string {
  return value === null || value === "" ? "empty" : `“${value}”`;
}

/** Ends a sentence that may end with a quoted detail of its own. */
export function sentence(text: string): string {
  return /[.!?]$/.test(text) ? text : `${text}.`;
}

/** Why a row is skipped or invalid, and what would change it, in words. */
export function reasonWords(reason: RowReason, kind: RunKind): ReasonWords {
  switch (reason.code) {
    case "unchanged":
      return {
        why:
          kind === "pull"
            ? "Nothing to write: the lead already holds every mapped value."
            : "Nothing to write: HubSpot already holds every mapped value.",
        todo: null,
      };
    case "no-match-create-off":
      return {
        why: "No HubSpot contact has this email, and creating contacts is off.",
        todo: "Turn on “Create HubSpot contact when no match is found” in Push rules to create it.",
      };
    case "update-off":
      return {
        why: "A HubSpot contact has this email, and updating contacts is off.",
        todo: "Turn on “Update matching HubSpot contact” in Push rules to update it.",
      };
    case "no-email":
      return {
        why: "The contact has no email address, and a lead is known by its email.",
        todo: "Give the contact an email in HubSpot, then pull again.",
      };
    case "already-in-store":
      return {
        why: "This contact is already a lead, and the pull rules take new contacts only.",
        todo: "Turn off “New contacts only” in Pull rules to update leads already in the store.",
      };
    case "company-rule-left-out":
      return {
        why: reason.no_company
          ? `The contact has no company, so it doesn't meet the pull rule ${reason.condition}.`
          : `The contact's company doesn't meet the pull rule ${reason.condition}.`,
        todo: "Change or remove the rule on the company in Pull rules to bring it in.",
      };
    case "email-refused":
      return {
        why: sentence(`HubSpot refuses this email address: ${reason.detail}`),
        todo: "Correct the lead's email on the Leads screen, then preview again.",
      };
    case "no-such-property":
      return {
        why: `The mapping sends ${reason.field} to the property ${reason.property}, which this HubSpot portal doesn't have.`,
        todo: `Map ${reason.field} to a property the portal has on the Mapping screen, or create ${reason.property} in HubSpot.`,
      };
    case "value-refused":
      return {
        why: sentence(`The lead's ${reason.field} can't be sent as ${reason.property}: ${reason.detail}`),
        todo: `Correct the lead's ${reason.field} on the Leads screen, or map it to a property that takes this value.`,
      };
    case "pulled-value-refused":
      return {
        why: sentence(`HubSpot's ${reason.property} can't be kept as the lead's ${reason.field}: ${reason.detail}`),
        todo: `Correct the value in HubSpot, or change the type of ${reason.field} on the Data model screen.`,
      };
    case "stage-backward":
      return {
        why: `HubSpot only moves a lifecycle stage forward, and ${reason.field} would move it back from ${quotedValue(reason.from)} to ${quotedValue(reason.to)}.`,
        todo: `Set the lead's ${reason.field} to ${quotedValue(reason.from)} or a later stage, or clear the contact's stage in HubSpot first.`,
      };
    case "shared-contact":
      return {
        why: `Contact ${reason.contact_id} is also matched by the lead ${reason.winner_email}, which is the one written.`,
        todo: "Merge the two leads, or change this lead's email.",
      };
    case "create-met-contact":
      return {
        why: `Run ${String(reason.run_id)} planned to create this contact, but HubSpot already had it when the create arrived, so its values from before were never read and there is nothing to put back.`,
        todo: null,
      };
    case "archived-by-run":
      return {
        why: `Run ${String(reason.run_id)} archived this contact, and HubSpot's API can't bring an archived contact back.`,
        todo: "Restore it in HubSpot from the recycling bin (Contacts → Actions → Restore).",
      };
    case "created-kept":
      return {
        why: `Run ${String(reason.run_id)} created this contact, and this undo keeps the contacts the run created.`,
        todo: `Tick “${ARCHIVE_CREATED}” and preview the undo again to archive it.`,
      };
    case "contact-gone":
      return { why: `Contact ${reason.contact_id} is no longer in HubSpot (deleted or merged).`, todo: null };
    case "already-restored":
      return {
        why: `The contact already holds the values it had before run ${String(reason.run_id)}.`,
        todo: null,
      };
    case "changed-since":
      return {
        why: `The contact changed in HubSpot since run ${String(reason.run_id)}, and this undo keeps later changes.`,
        todo: `Tick “${FORCE}” and preview the undo again to put the old values back.`,
      };
    case "drift":
      return {
        why: `${reason.property} is now ${quotedValue(reason.now)}, where run ${String(reason.run_id)} wrote ${quotedValue(reason.wrote)}.`,
        todo: null,
      };
    case "text":
      // Words an older Hubsync recorded, before reasons were kept as codes.
      return { why: sentence(reason.text), todo: null };
  }
}

/** What a row's reasons say first, for the one line a list shows. */
export function reasonSummary(reasons: readonly RowReason[], kind: RunKind): string {
  const first = reasons[0];
  if (first === undefined) return "";
  const words = reasonWords(first, kind).why;
  return reasons.length > 1 ? `${words} (and ${String(reasons.length - 1)} more)` : words;
}

/** What a field's new value shows: the value, or what happened instead. */
export function afterWords(change: FieldChange, kind: RunKind): string {
  if (change.after === null) return change.kept ? keptWords(kind) : "(not written)";
  return change.after === "" ? "(cleared)" : change.after;
}

/** What the field's write rule did to it (`rule` as the run's mapping had it, if known). */
export function ruleEffect(change: FieldChange, rule: WriteRule | null, kind: RunKind): string {
  const there = kind === "pull" ? "the lead's" : "HubSpot's";
  if (kind === "undo") {
    return change.after === null ? "Not restored." : "Restored to its value before the run.";
  }
  if (change.kept) return `Only if empty: ${there} value is not empty, so it is kept.`;
  if (change.after === null) return "Not written.";
  if (rule === "if-empty") return `Only if empty: ${there} value is empty, so it is filled.`;
  if (rule === "overwrite") {
    return change.before === null || change.before === ""
      ? "Overwrite: the field is empty, so it is filled."
      : `Overwrite: the new value replaces ${there}.`;
  }
  return change.before === null || change.before === "" ? "Filled." : "Replaced.";
}

/** The write rule of each lead field, as the run's settings kept its mapping. */
export function writeRules(settings: unknown): Map<string, WriteRule> {
  const rules = new Map<string, WriteRule>();
  if (typeof settings !== "object" || settings === null) return rules;
  const mappings = (settings as Record<string, unknown>).mappings;
  if (!Array.isArray(mappings)) return rules;
  for (const mapping of mappings as unknown[]) {
    if (typeof mapping !== "object" || mapping === null) continue;
    const { field_key: field, write_rule: rule } = mapping as Record<string, unknown>;
    if (typeof field === "string" && (rule === "overwrite" || rule === "if-empty")) rules.set(field, rule);
  }
  return rules;
}
