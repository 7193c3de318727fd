import { useState } from "react";

import { ErrorMessage } from "../shared/ErrorMessage";
import { toCommandError, type CommandError } from "../shared/ipc";
import { openSavedFolder } from "./ipc";

/** Where a file was saved, with a button that opens its folder. */
export function SavedPath({ label, path, testId }: { label: string; path: string; testId: string }) {
  const [error, setError] = useState<CommandError | null>(null);
  return (
    <div className="saved-path">
      <p>
        {label}: <code data-testid={testId}>{path}</code>
      </p>
      <button
        type="button"
        onClick={() => {
          setError(null);
          openSavedFolder(path).catch((e: unknown) => {
            setError(toCommandError(e));
          });
        }}
      >
        Open folder
      </button>
      {error && <ErrorMessage error={error} title="The folder could not be opened" />}
    </div>
  );
}
