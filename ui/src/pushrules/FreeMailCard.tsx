import { useId, useState, type SubmitEvent } from "react";

import type { FreeMailCheck } from "../bindings/FreeMailCheck";
import type { FreeMailOverride } from "../bindings/FreeMailOverride";
import type { FreeMailReason } from "../bindings/FreeMailReason";
import { ErrorMessage } from "../shared/ErrorMessage";
import { RemoveButton } from "../shared/RemoveButton";
import { useAction } from "../shared/useAction";
import { useLoadable } from "../shared/useLoadable";
import { checkFreeMail, freeMailOverrides, removeFreeMailOverride, setFreeMailOverride } from "./ipc";

const REASONS: Record<FreeMailReason, string> = {
  added: "you added it",
  taken_off: "you took it off the maintained list",
  override_above: "your change to a domain it is under",
  listed: "the maintained list has it",
  not_listed: "the maintained list doesn’t have it",
};

/** Whether a checked domain is free-mail, and why, in words. */
function checkWords(check: FreeMailCheck): string {
  const why = REASONS[check.reason];
  return check.free
    ? `${check.domain} is free-mail (${why}): it names no company.`
    : `${check.domain} is not free-mail (${why}): it can name a company.`;
}

/**
 * Free-mail domains (gmail.com, …) name no company. The maintained list decides, and this store's
 * changes to it: a domain added, or one taken off because a company uses it.
 */
export function FreeMailCard() {
  const id = useId();
  const [overrides, updateOverrides] = useLoadable(freeMailOverrides);
  const [domain, setDomain] = useState("");
  const [free, setFree] = useState(true);
  const [checked, setChecked] = useState<string>("");
  const [status, setStatus] = useState("");
  const { busy, error, run } = useAction(() => {
    setStatus("");
  });

  function replace(saved: FreeMailOverride) {
    updateOverrides((held) =>
      [...held.filter((o) => o.domain !== saved.domain), saved].sort((a, b) => a.domain.localeCompare(b.domain)),
    );
  }

  function add(event: SubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    run(setFreeMailOverride(domain, free), "The domain was not saved", (saved) => {
      replace(saved);
      setDomain("");
      setStatus(
        saved.free
          ? `${saved.domain} counts as free-mail: it names no company.`
          : `${saved.domain} is no longer free-mail: it names a company.`,
      );
    });
  }

  function remove(target: string) {
    run(removeFreeMailOverride(target), "The change was not removed", (removed) => {
      updateOverrides((held) => held.filter((o) => o.domain !== removed.domain));
      setStatus(`${removed.domain} is left to the maintained list again.`);
    });
  }

  function check(event: SubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    run(checkFreeMail(checked), "The domain could not be checked", (answer) => {
      setStatus(checkWords(answer));
    });
  }

  return (
    <section className="card" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Free-mail domains</h2>
      <p className="muted">
        An email at a free-mail domain (gmail.com, outlook.com, …) names no company. A maintained list decides
        which domains are; your changes here count first, for every portal.
      </p>
      {overrides.status === "loading" && <p aria-busy="true">Loading your changes…</p>}
      {overrides.status === "failed" && (
        <ErrorMessage error={overrides.error} title="The free-mail changes could not be read" />
      )}
      {overrides.status === "ready" &&
        (overrides.value.length === 0 ? (
          <p className="muted" data-testid="free-mail-none">
            No changes: the maintained list decides alone.
          </p>
        ) : (
          <div className="table-wrap">
            <table className="table" aria-labelledby={`${id}-title`}>
              <thead>
                <tr>
                  <th scope="col">Domain</th>
                  <th scope="col">Free-mail</th>
                  <th scope="col">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {overrides.value.map((o) => (
                  <tr key={o.domain}>
                    <th scope="row">
                      <code>{o.domain}</code>
                    </th>
                    <td>{o.free ? "Yes: added to the list" : "No: taken off the list"}</td>
                    <td>
                      <RemoveButton
                        name={o.domain}
                        disabled={busy}
                        onClick={() => {
                          remove(o.domain);
                        }}
                      />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ))}
      <form onSubmit={add} aria-label="Change the free-mail list">
        <div className="field-row">
          <div className="field">
            <label htmlFor={`${id}-domain`}>Domain</label>
            <input
              id={`${id}-domain`}
              value={domain}
              placeholder="example.com"
              onChange={(e) => {
                setDomain(e.currentTarget.value);
              }}
            />
          </div>
          <div className="field">
            <label htmlFor={`${id}-free`}>It is</label>
            <select
              id={`${id}-free`}
              value={free ? "free" : "company"}
              onChange={(e) => {
                setFree(e.currentTarget.value === "free");
              }}
            >
              <option value="free">Free-mail: it names no company</option>
              <option value="company">A company’s: take it off the list</option>
            </select>
          </div>
        </div>
        <div className="actions">
          <button type="submit" className="button-primary" disabled={busy || domain.trim() === ""}>
            Save domain
          </button>
        </div>
      </form>
      <form onSubmit={check} aria-label="Check a domain">
        <div className="field">
          <label htmlFor={`${id}-check`}>Check a domain</label>
          <input
            id={`${id}-check`}
            value={checked}
            placeholder="example.com"
            onChange={(e) => {
              setChecked(e.currentTarget.value);
            }}
          />
        </div>
        <div className="actions">
          <button type="submit" disabled={busy || checked.trim() === ""}>
            Check
          </button>
        </div>
      </form>
      <p className="status-line" role="status" aria-live="polite">
        {status}
      </p>
      {error !== null && <ErrorMessage error={error.error} title={error.title} />}
    </section>
  );
}
