import { useId, useRef, useState, type KeyboardEvent } from "react";

import type { CompanySummary } from "../bindings/CompanySummary";
import { numberFormat } from "../shared/format";
import { AssociationRows, CompanyRows } from "./CompanyRows";
import { associationRowCount, companyRowCount } from "./companyWords";
import { PreviewTable, type PreviewTableProps } from "./PreviewTable";

const TABS = ["contacts", "companies", "associations"] as const;
type Tab = (typeof TABS)[number];

interface Props extends PreviewTableProps {
  /** A push's companies and associations, when its rules associate contacts with companies. */
  companies?: CompanySummary | undefined;
}

/**
 * A run's rows: a pull's contact rows; a push's in tabs beside its company rows and its leads'
 * associations, each list read a page at a time; an undo's the same when it takes back a push's
 * companies.
 */
export function RunRows({ companies, ...table }: Props) {
  const [tab, setTab] = useState<Tab>("contacts");
  const ids = useId();
  const tabs = useRef(new Map<Tab, HTMLButtonElement>());
  if (table.kind === "pull" || (table.kind === "undo" && companies === undefined)) return <PreviewTable {...table} />;

  const label = (t: Tab) => {
    if (t === "contacts") return "Contacts";
    if (companies === undefined) return t === "companies" ? "Companies" : "Associations";
    const n = t === "companies" ? companyRowCount(companies) : associationRowCount(companies);
    return `${t === "companies" ? "Companies" : "Associations"} (${numberFormat.format(n)})`;
  };

  // The arrow keys move between the tabs, Home and End to the ends (a tab list's keys).
  function onKeyDown(e: KeyboardEvent<HTMLDivElement>) {
    const at = TABS.indexOf(tab);
    const to =
      e.key === "ArrowRight"
        ? at + 1
        : e.key === "ArrowLeft"
          ? at + TABS.length - 1
          : e.key === "Home"
            ? 0
            : e.key === "End"
              ? TABS.length - 1
              : null;
    const next = to === null ? undefined : TABS[to % TABS.length];
    if (next === undefined) return;
    e.preventDefault();
    setTab(next);
    tabs.current.get(next)?.focus();
  }

  const reload = companies === undefined ? "" : JSON.stringify(companies.counts);
  return (
    <div className="run-rows" data-testid="run-rows">
      <div className="row-tabs" role="tablist" aria-label={`${table.label}: what they are about`} onKeyDown={onKeyDown}>
        {TABS.map((t) => (
          <button
            key={t}
            ref={(el) => {
              if (el === null) tabs.current.delete(t);
              else tabs.current.set(t, el);
            }}
            type="button"
            role="tab"
            id={`${ids}-${t}-tab`}
            className="row-tab"
            data-testid={`rows-tab-${t}`}
            aria-selected={tab === t}
            aria-controls={`${ids}-${t}-panel`}
            tabIndex={tab === t ? 0 : -1}
            onClick={() => {
              setTab(t);
            }}
          >
            {label(t)}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`${ids}-${tab}-panel`} aria-labelledby={`${ids}-${tab}-tab`}>
        {tab === "contacts" && <PreviewTable {...table} />}
        {tab !== "contacts" && companies === undefined && (
          <p className="muted row-tabs-empty" data-testid="companies-none">
            This push has no company part: its push rules don’t associate contacts with companies. Turn on
            “Associate each lead with its company” in Push rules, then preview again.
          </p>
        )}
        {tab === "companies" && companies !== undefined && (
          <CompanyRows
            runId={table.runId}
            total={companyRowCount(companies)}
            reload={reload}
            label={`Company rows of run ${String(table.runId)}`}
          />
        )}
        {tab === "associations" && companies !== undefined && (
          <AssociationRows
            runId={table.runId}
            total={associationRowCount(companies)}
            reload={reload}
            label={`Association rows of run ${String(table.runId)}`}
          />
        )}
      </div>
    </div>
  );
}
