import { THEME_CHOICES, type ThemeChoice } from "./theme";

/** System, light or dark: three buttons in a group, the current one pressed. */
export function ThemeSwitch({ choice, choose }: { choice: ThemeChoice; choose: (choice: ThemeChoice) => void }) {
  return (
    <div className="theme-switch" role="group" aria-label="Theme">
      {THEME_CHOICES.map((option) => (
        <button
          key={option.choice}
          type="button"
          aria-pressed={choice === option.choice}
          data-testid={`theme-${option.choice}`}
          onClick={() => {
            choose(option.choice);
          }}
        >
          {option.label}
        </button>
      ))}
    </div>
  );
}
