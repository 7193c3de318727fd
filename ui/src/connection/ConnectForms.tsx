import { useEffect, useEffectEvent, useId, useRef, useState, type Ref, type SubmitEvent } from "react";

import type { Connected } from "../bindings/Connected";
import type { OAuthFinished } from "../bindings/OAuthFinished";
import type { OAuthStarted } from "../bindings/OAuthStarted";
import type { PastedTokenKind } from "../bindings/PastedTokenKind";
import { ErrorMessage } from "../shared/ErrorMessage";
import { tokenKindLabel } from "../shared/format";
import { toCommandError, type CommandError } from "../shared/ipc";
import { connectToken, HUBSPOT_BASE_URL, oauthCancel, oauthStart, onOAuthFinished } from "./ipc";

/** A labelled one-line input whose problem, when it has one, is shown under it and tied to it. */
function TextField({
  id,
  label,
  value,
  onChange,
  error,
  type = "text",
  inputRef,
  hint,
}: {
  id: string;
  label: string;
  value: string;
  onChange: (value: string) => void;
  error?: string | undefined;
  type?: "text" | "password" | "url";
  inputRef?: Ref<HTMLInputElement>;
  /** Shown under the input while it has no error. */
  hint?: string;
}) {
  const errorId = `${id}-error`;
  const hintId = `${id}-hint`;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        ref={inputRef}
        id={id}
        type={type}
        value={value}
        onChange={(event) => {
          onChange(event.target.value);
        }}
        spellCheck={false}
        autoComplete="off"
        aria-invalid={error !== undefined}
        aria-describedby={error !== undefined ? errorId : hint !== undefined ? hintId : undefined}
      />
      {error !== undefined ? (
        <p id={errorId} className="field-error">
          {error}
        </p>
      ) : (
        hint !== undefined && (
          <p id={hintId} className="field-hint">
            {hint}
          </p>
        )
      )}
    </div>
  );
}

/** Connecting a portal: in the browser (OAuth), or with a pasted token. */
export function ConnectPortal({ onChanged }: { onChanged: () => void }) {
  const headingId = useId();
  return (
    <section className="card" aria-labelledby={headingId}>
      <h2 id={headingId}>Connect a HubSpot portal</h2>
      <OAuthConnect onChanged={onChanged} />
      <hr />
      <TokenConnect onChanged={onChanged} />
    </section>
  );
}

/** A base URL field, or the message saying what is wrong with it. */
function baseUrlProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    return "Enter a full address, such as https://api.hubapi.com.";
  }
  return url.protocol === "https:" || url.protocol === "http:"
    ? undefined
    : "The address must start with https:// (or http:// for a local portal).";
}

function AdvancedBaseUrl({
  value,
  onChange,
  error,
}: {
  value: string;
  onChange: (value: string) => void;
  error: string | undefined;
}) {
  const id = useId();
  return (
    <details className="advanced" open={error !== undefined ? true : undefined}>
      <summary>Advanced</summary>
      <TextField
        id={id}
        label="Base URL"
        type="url"
        value={value}
        onChange={onChange}
        error={error}
        hint={`HubSpot's API is ${HUBSPOT_BASE_URL}; change it only to reach a HubSpot-compatible test portal.`}
      />
    </details>
  );
}

function FileStoreOption({ checked, onChange }: { checked: boolean; onChange: (checked: boolean) => void }) {
  const id = useId();
  return (
    <div className="field field-check">
      <input
        id={id}
        type="checkbox"
        checked={checked}
        onChange={(event) => {
          onChange(event.target.checked);
        }}
        aria-describedby={`${id}-hint`}
      />
      <div>
        <label htmlFor={id}>Keep the token in a file if no keychain</label>
        <p id={`${id}-hint`} className="field-hint">
          Only when this computer has no keychain: the token then sits unencrypted in a file only
          your user can read, so anyone with access to your account or backups can use it.
        </p>
      </div>
    </div>
  );
}

function ConnectedResult({ connected }: { connected: Connected }) {
  return (
    <div className="notice notice-success" role="status">
      <p className="notice-title">
        Connected {connected.name} ({connected.portal_id}) with {tokenKindLabel(connected.token_kind).toLowerCase()}
        {connected.user_email !== "" ? `, approved by ${connected.user_email}` : ""}. It is now the
        active portal.
      </p>
      <p>Token kept in: {connected.secret_kept_in}.</p>
      {connected.checks.length > 0 && (
        <ul className="proven">
          {connected.checks.map((check) => (
            <li key={check.check}>
              ✓ {check.check}: {check.detail}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

type OAuthOutcome =
  | { kind: "connected"; connected: Connected }
  | { kind: "failed"; error: CommandError; title: string }
  | { kind: "cancelled" };

type OAuthState =
  | { phase: "form"; outcome: OAuthOutcome | null }
  | { phase: "starting" }
  | { phase: "waiting"; started: OAuthStarted; cancelError: CommandError | null }
  | { phase: "cancelling"; started: OAuthStarted };

/** Connect HubSpot in the browser: the OAuth flow, ended by the `oauth-finished` event. */
export function OAuthConnect({ onChanged }: { onChanged: () => void }) {
  const [state, setState] = useState<OAuthState>({ phase: "form", outcome: null });
  const [clientId, setClientId] = useState("");
  const [clientSecret, setClientSecret] = useState("");
  const [baseUrl, setBaseUrl] = useState(HUBSPOT_BASE_URL);
  const [fileStore, setFileStore] = useState(false);
  const [problems, setProblems] = useState<{ clientId?: string; baseUrl?: string }>({});
  const headingId = useId();
  const clientIdId = useId();
  const clientSecretId = useId();

  const connectedElsewhere = useEffectEvent(() => {
    onChanged();
  });
  const finished = useEffectEvent((outcome: OAuthFinished) => {
    if (outcome.connected !== null) {
      // A connection counts even when the user had already pressed Cancel.
      setState({ phase: "form", outcome: { kind: "connected", connected: outcome.connected } });
      connectedElsewhere();
      return;
    }
    const error = toCommandError(outcome.error ?? { code: "unknown", message: "Connecting ended without a result." });
    setState((current) => {
      if (current.phase !== "waiting" && current.phase !== "cancelling") return current;
      if (current.phase === "cancelling" || error.code === "oauth_cancelled") {
        return { phase: "form", outcome: { kind: "cancelled" } };
      }
      return { phase: "form", outcome: { kind: "failed", error, title: "Connecting in the browser failed" } };
    });
  });

  useEffect(() => {
    let disposed = false;
    let unlisten: (() => void) | undefined;
    onOAuthFinished((outcome) => {
      finished(outcome);
    }).then(
      (stop) => {
        if (disposed) stop();
        else unlisten = stop;
      },
      (error: unknown) => {
        // Outside the app nothing can finish; starting reports that in words.
        console.warn("not listening for oauth-finished:", toCommandError(error).message);
      },
    );
    return () => {
      disposed = true;
      unlisten?.();
    };
  }, []);

  function start(event: SubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    const id = clientId.trim();
    const secret = clientSecret.trim();
    const found: { clientId?: string; baseUrl?: string } = {};
    if (secret !== "" && id === "") found.clientId = "Enter the client ID that goes with this client secret.";
    else if (id !== "" && !/^[A-Za-z0-9-]+$/.test(id)) found.clientId = "A client ID has only letters, digits and dashes.";
    const urlProblem = baseUrlProblem(baseUrl);
    if (urlProblem !== undefined) found.baseUrl = urlProblem;
    setProblems(found);
    if (found.clientId !== undefined) {
      document.getElementById(clientIdId)?.focus();
      return;
    }
    if (found.baseUrl !== undefined) return;

    setState({ phase: "starting" });
    oauthStart({
      baseUrl: baseUrl.trim(),
      clientId: id === "" ? null : id,
      clientSecret: secret === "" ? null : secret,
      insecureFileStore: fileStore,
    }).then(
      (started) => {
        setClientSecret("");
        setState((current) => (current.phase === "starting" ? { phase: "waiting", started, cancelError: null } : current));
      },
      (error: unknown) => {
        setState({
          phase: "form",
          outcome: { kind: "failed", error: toCommandError(error), title: "Could not start connecting" },
        });
      },
    );
  }

  function cancel() {
    if (state.phase !== "waiting") return;
    const { started } = state;
    setState({ phase: "cancelling", started });
    oauthCancel().then(
      () => {
        setState((current) => (current.phase === "cancelling" ? { phase: "form", outcome: { kind: "cancelled" } } : current));
      },
      (error: unknown) => {
        setState((current) =>
          current.phase === "cancelling" ? { phase: "waiting", started, cancelError: toCommandError(error) } : current,
        );
      },
    );
  }

  const inForm = state.phase === "form" || state.phase === "starting";
  return (
    <div className="connect-method" role="group" aria-labelledby={headingId}>
      <h3 id={headingId}>Sign in with HubSpot in your browser</h3>
      {inForm ? (
        <form onSubmit={start} noValidate>
          <p className="muted">
            Your browser opens HubSpot's consent page: pick the portal and approve. Client ID and
            secret are only needed for your own HubSpot app; once given, the secret is kept for
            next time.
          </p>
          <OAuthAppSteps />
          <div className="field-row">
            <TextField
              id={clientIdId}
              label="Client ID (optional)"
              value={clientId}
              onChange={setClientId}
              error={problems.clientId}
            />
            <TextField
              id={clientSecretId}
              label="Client secret (optional)"
              type="password"
              value={clientSecret}
              onChange={setClientSecret}
            />
          </div>
          <AdvancedBaseUrl
            value={baseUrl}
            onChange={setBaseUrl}
            error={problems.baseUrl}
          />
          <FileStoreOption checked={fileStore} onChange={setFileStore} />
          <div className="actions">
            <button type="submit" className="button-primary" disabled={state.phase === "starting"}>
              {state.phase === "starting" ? "Opening the browser…" : "Connect in the browser"}
            </button>
          </div>
        </form>
      ) : (
        <Waiting
          started={state.started}
          cancelling={state.phase === "cancelling"}
          cancelError={state.phase === "waiting" ? state.cancelError : null}
          onCancel={cancel}
        />
      )}
      <div aria-live="polite">
        {state.phase === "form" && state.outcome !== null && <OAuthResult outcome={state.outcome} />}
      </div>
    </div>
  );
}

function OAuthResult({ outcome }: { outcome: OAuthOutcome }) {
  switch (outcome.kind) {
    case "connected":
      return <ConnectedResult connected={outcome.connected} />;
    case "failed":
      return <ErrorMessage title={outcome.title} error={outcome.error} />;
    case "cancelled":
      return (
        <p className="notice" role="status">
          Connecting was cancelled. Nothing was saved.
        </p>
      );
  }
}

function Waiting({
  started,
  cancelling,
  cancelError,
  onCancel,
}: {
  started: OAuthStarted;
  cancelling: boolean;
  cancelError: CommandError | null;
  onCancel: () => void;
}) {
  const urlId = useId();
  const [copied, setCopied] = useState<"idle" | "copied" | "failed">("idle");
  const urlRef = useRef<HTMLInputElement>(null);

  function copy() {
    // navigator.clipboard is missing outside secure contexts.
    const clipboard = navigator.clipboard as Clipboard | undefined;
    const writing = clipboard?.writeText(started.authorize_url) ?? Promise.reject(new Error("no clipboard"));
    writing.then(
      () => {
        setCopied("copied");
      },
      () => {
        urlRef.current?.select();
        setCopied("failed");
      },
    );
  }

  return (
    <div className="waiting" aria-live="polite">
      <p className="waiting-title">
        <span className="spinner" aria-hidden="true" /> Waiting for approval in your browser…
      </p>
      <p className="muted">
        Approve the request on HubSpot's page, then come back here. If no browser opened, open
        this address yourself:
      </p>
      <div className="field">
        <label htmlFor={urlId}>Consent page address</label>
        <div className="copy-row">
          <input
            ref={urlRef}
            id={urlId}
            readOnly
            value={started.authorize_url}
            spellCheck={false}
            onFocus={(event) => {
              event.target.select();
            }}
          />
          <button type="button" onClick={copy}>
            Copy
          </button>
        </div>
        <p className="field-hint" role="status">
          {copied === "copied" && "Copied."}
          {copied === "failed" && "Could not copy: the address is selected, press Ctrl+C (⌘C on a Mac)."}
        </p>
      </div>
      <div className="actions">
        <button type="button" onClick={onCancel} disabled={cancelling}>
          {cancelling ? "Cancelling…" : "Cancel"}
        </button>
      </div>
      {cancelError !== null && <ErrorMessage title="Could not cancel" error={cancelError} />}
    </div>
  );
}

const TOKEN_KINDS: PastedTokenKind[] = ["private-app", "service-key"];

type TokenState =
  | { status: "idle" }
  | { status: "connecting" }
  | { status: "connected"; connected: Connected }
  | { status: "failed"; error: CommandError };

/** Connect with a pasted private app token or service key. */
export function TokenConnect({ onChanged }: { onChanged: () => void }) {
  const [kind, setKind] = useState<PastedTokenKind>("private-app");
  const [token, setToken] = useState("");
  const [baseUrl, setBaseUrl] = useState(HUBSPOT_BASE_URL);
  const [fileStore, setFileStore] = useState(false);
  const [problems, setProblems] = useState<{ token?: string; baseUrl?: string }>({});
  const [state, setState] = useState<TokenState>({ status: "idle" });
  const headingId = useId();
  const kindId = useId();
  const tokenId = useId();
  const tokenRef = useRef<HTMLInputElement>(null);

  function submit(event: SubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    const trimmed = token.trim();
    const found: { token?: string; baseUrl?: string } = {};
    if (trimmed === "") found.token = "Paste the token first.";
    else if (/\s/.test(trimmed)) found.token = "Paste the whole token: it has no spaces or line breaks.";
    const urlProblem = baseUrlProblem(baseUrl);
    if (urlProblem !== undefined) found.baseUrl = urlProblem;
    setProblems(found);
    if (found.token !== undefined) {
      tokenRef.current?.focus();
      return;
    }
    if (found.baseUrl !== undefined) return;

    setState({ status: "connecting" });
    connectToken({ baseUrl: baseUrl.trim(), token: trimmed, kind, insecureFileStore: fileStore }).then(
      (connected) => {
        setToken("");
        setState({ status: "connected", connected });
        onChanged();
      },
      (error: unknown) => {
        setState({ status: "failed", error: toCommandError(error) });
      },
    );
  }

  return (
    <div className="connect-method" role="group" aria-labelledby={headingId}>
      <h3 id={headingId}>Or paste a token</h3>
      <form onSubmit={submit} noValidate>
        <p className="muted">
          A private app's access token (Settings → Integrations → Private apps) or a service key.
          Hubsync checks it reads contacts and owners before saving it.
        </p>
        <div className="field-row">
          <div className="field field-narrow">
            <label htmlFor={kindId}>Kind</label>
            <select
              id={kindId}
              value={kind}
              onChange={(event) => {
                const chosen = TOKEN_KINDS.find((k) => k === event.target.value);
                if (chosen !== undefined) setKind(chosen);
              }}
            >
              {TOKEN_KINDS.map((k) => (
                <option key={k} value={k}>
                  {tokenKindLabel(k)}
                </option>
              ))}
            </select>
          </div>
          <TextField
            id={tokenId}
            label="Token"
            type="password"
            value={token}
            onChange={setToken}
            error={problems.token}
            inputRef={tokenRef}
          />
        </div>
        <AdvancedBaseUrl value={baseUrl} onChange={setBaseUrl} error={problems.baseUrl} />
        <FileStoreOption checked={fileStore} onChange={setFileStore} />
        <div className="actions">
          <button type="submit" className="button-primary" disabled={state.status === "connecting"}>
            {state.status === "connecting" ? "Checking the token…" : "Connect with this token"}
          </button>
        </div>
      </form>
      <div aria-live="polite">
        {state.status === "connected" && <ConnectedResult connected={state.connected} />}
        {state.status === "failed" && <ErrorMessage title="Connecting with the token failed" error={state.error} />}
      </div>
    </div>
  );
}

/** How to make the HubSpot app a connection signs in through, where the admin needs it. */
function OAuthAppSteps() {
  return (
    <details className="advanced" data-testid="oauth-app-steps">
      <summary>How to create your own HubSpot app</summary>
      <ol className="steps">
        <li>
          In a HubSpot developer account, open <strong>Development → Apps → Create app</strong> (a public app; it
          needs no listing).
        </li>
        <li>
          On its <strong>Auth</strong> tab, add these three <strong>Redirect URLs</strong> exactly:{" "}
          <code>http://localhost:42813/callback</code>, <code>http://localhost:42814/callback</code> and{" "}
          <code>http://localhost:42815/callback</code>. Hubsync listens on the first and moves to the next when a port
          is busy.
        </li>
        <li>
          Under <strong>Scopes</strong>, require <code>oauth</code>, <code>crm.objects.contacts.read</code>,{" "}
          <code>crm.objects.contacts.write</code> and <code>crm.objects.owners.read</code>.
        </li>
        <li>Copy the app's Client ID and Client secret from the Auth tab into the fields below, then sign in.</li>
      </ol>
    </details>
  );
}
