import { useMemo, useState } from "react";

/** What the picker needs of a HubSpot property (a contact's or a company's). */
export interface PickableProperty {
  name: string;
  label: string;
  type: string;
  read_only: boolean;
}

interface Props {
  /** The base of the controls' ids; the list is `${id}-property`. */
  id: string;
  /** "HubSpot property" or "HubSpot company property": what the controls are labelled. */
  what: string;
  properties: PickableProperty[];
  /** Properties already filled: not offered again. */
  taken: ReadonlySet<string>;
  value: string;
  onChange: (name: string) => void;
  /** The portal's properties are unknown (offline) or still being read: the name is typed. */
  offline: boolean;
  loading: boolean;
}

/**
 * Picks a HubSpot property: a search and a list of the writable properties not yet filled, or,
 * while the portal's properties are unknown, a text field for the internal name.
 */
export function PropertyPicker({ id, what, properties, taken, value, onChange, offline, loading }: Props) {
  const [search, setSearch] = useState("");
  // Read-only properties are never offered: HubSpot refuses writes to them.
  const offered = useMemo(() => {
    const needle = search.trim().toLowerCase();
    return properties.filter(
      (p) =>
        !p.read_only &&
        !taken.has(p.name) &&
        (needle === "" || p.name.toLowerCase().includes(needle) || p.label.toLowerCase().includes(needle)),
    );
  }, [properties, search, taken]);

  if (offline || loading) {
    return (
      <div className="field">
        <label htmlFor={`${id}-property`}>{what} (internal name)</label>
        <input
          id={`${id}-property`}
          value={value}
          aria-describedby={`${id}-property-hint`}
          onChange={(e) => {
            onChange(e.currentTarget.value);
          }}
        />
        <p id={`${id}-property-hint`} className="field-hint">
          {loading
            ? "The portal’s properties are still being read; you can type the internal name."
            : "The portal can’t be reached: the property is saved unchecked, with a warning."}
        </p>
      </div>
    );
  }
  return (
    <>
      <div className="field">
        <label htmlFor={`${id}-search`}>Search {what.replace(/property$/, "properties")}</label>
        <input
          id={`${id}-search`}
          type="search"
          value={search}
          aria-controls={`${id}-property`}
          onChange={(e) => {
            setSearch(e.currentTarget.value);
          }}
        />
      </div>
      <div className="field">
        <label htmlFor={`${id}-property`}>{what}</label>
        <select
          id={`${id}-property`}
          size={8}
          value={value}
          aria-describedby={`${id}-count`}
          onChange={(e) => {
            onChange(e.currentTarget.value);
          }}
        >
          {/* What "nothing picked yet" selects. Without it React selects the first property in
              the page while none is picked, so it looks picked but isn't, and clicking it (or a
              search's only match) changes nothing. */}
          <option value="" disabled hidden />
          {offered.map((p) => (
            <option key={p.name} value={p.name}>
              {p.label} — {p.name} ({p.type})
            </option>
          ))}
        </select>
        <p id={`${id}-count`} className="field-hint" aria-live="polite">
          {offered.length} writable {offered.length === 1 ? "property" : "properties"}
          {search.trim() === "" ? "" : offered.length === 1 ? " matches" : " match"}; read-only properties are not
          offered.
        </p>
      </div>
    </>
  );
}
