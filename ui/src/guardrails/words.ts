// Words for guardrails, from their codes and figures: what each limit is, and what a plan crossed.

import type { Crossing } from "../bindings/Crossing";
import type { Guardrail } from "../bindings/Guardrail";
import type { Guardrails } from "../bindings/Guardrails";
import type { HoldState } from "../bindings/HoldState";
import { numberFormat } from "../shared/format";

const shareFormat = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });

/** A count as a crossing names it: "1,204". */
function count(n: number): string {
  return numberFormat.format(Math.round(n));
}

/** What a plan crossed, in words: "1,204 creates, your limit is 500". */
export function crossingWords(c: Crossing): string {
  switch (c.guardrail) {
    case "creates":
      return `${count(c.planned)} ${c.planned === 1 ? "create" : "creates"}, your limit is ${count(c.limit)}`;
    case "overwrites":
      return `${count(c.planned)} ${c.planned === 1 ? "record" : "records"} with a non-empty value overwritten, your limit is ${count(c.limit)}`;
    case "overwrite-share":
      return `${shareFormat.format(c.planned)} % of the rows overwrite a non-empty value, your limit is ${shareFormat.format(c.limit)} %`;
    case "archives":
      return `${count(c.planned)} ${c.planned === 1 ? "archive" : "archives"}, your limit is ${count(c.limit)}`;
    case "failed-share":
      return `${shareFormat.format(c.planned)} % of the rows written failed, your limit is ${shareFormat.format(c.limit)} %`;
  }
}

/** Each limit the screen sets, in the order the admin reads them, with what it holds back. */
export interface GuardrailEntry {
  key: keyof Guardrails;
  guardrail: Guardrail;
  label: string;
  explain: string;
  /** A share of the rows, in percent; else a number of records. */
  percent: boolean;
}

export const GUARDRAILS: readonly GuardrailEntry[] = [
  {
    key: "max_creates",
    guardrail: "creates",
    label: "Creates",
    explain: "Records one run may create: contacts and companies for a push, leads for a pull.",
    percent: false,
  },
  {
    key: "max_overwrites",
    guardrail: "overwrites",
    label: "Overwrites",
    explain: "Records one run may write over a value that isn’t empty.",
    percent: false,
  },
  {
    key: "max_overwrite_percent",
    guardrail: "overwrite-share",
    label: "Overwrite share",
    explain: "The share of a run’s rows that may write over a value that isn’t empty.",
    percent: true,
  },
  {
    key: "max_archives",
    guardrail: "archives",
    label: "Archives",
    explain: "Records one run may archive (an undo archiving what its push created).",
    percent: false,
  },
  {
    key: "max_failed_percent",
    guardrail: "failed-share",
    label: "Failed share",
    explain:
      "The share of the rows written that may fail: past it, the run stops itself between batches, its other rows left to resume.",
    percent: true,
  },
];

/** The name of a guardrail a run stopped at: "failed share". */
export function guardrailName(guardrail: Guardrail): string {
  return (GUARDRAILS.find((g) => g.guardrail === guardrail)?.label ?? guardrail).toLowerCase();
}

/** A held run's badge: "Held", "Approved", "Refused". */
export function holdLabel(state: HoldState): string {
  switch (state) {
    case "held":
      return "Held";
    case "approved":
      return "Approved";
    case "refused":
      return "Refused";
  }
}
