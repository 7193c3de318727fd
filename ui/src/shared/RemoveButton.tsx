/** A row's Remove button; screen readers hear which row's: "Remove Company name". */
export function RemoveButton({ name, disabled, onClick }: { name: string; disabled: boolean; onClick: () => void }) {
  return (
    <button type="button" className="button-danger-outline" disabled={disabled} onClick={onClick}>
      Remove <span className="sr-only">{name}</span>
    </button>
  );
}
