import { useState } from "react";
import { toCommandError } from "../shared/ipc";
import { openLogs } from "./ipc";

/** "Show logs": opens the app's log folder, and says where it is (or why it couldn't). */
export function ShowLogs() {
  const [said, setSaid] = useState("");

  return (
    <div className="show-logs">
      <button
        type="button"
        className="link-button"
        onClick={() => {
          openLogs().then(
            (folder) => {
              setSaid(`Logs are in ${folder}`);
            },
            (error: unknown) => {
              setSaid(toCommandError(error).message);
            },
          );
        }}
      >
        Show logs
      </button>
      <span className="show-logs-said" aria-live="polite">
        {said}
      </span>
    </div>
  );
}
