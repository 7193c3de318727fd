// A run's settings (kept as JSON with the run) in words: what it undoes, its rules, its mapping.

export interface SettingLine {
  label: string;
  value: string;
}

function record(value: unknown): Record<string, unknown> | null {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : null;
}

const onOff = (value: unknown) => (value === true ? "on" : "off");

export function settingsLines(settings: unknown): SettingLine[] {
  const s = record(settings);
  if (s === null) return [];
  const lines: SettingLine[] = [];
  if (typeof s.undo_of === "number") {
    lines.push({ label: "Undoes", value: `run ${String(s.undo_of)}` });
    lines.push({
      label: "Options",
      value: `archive created contacts: ${onOff(s.archive_created)}, force: ${onOff(s.force)}`,
    });
  }
  const rules = record(s.rules);
  if (rules !== null && "update" in rules) {
    lines.push({ label: "Push rules", value: `update ${onOff(rules.update)}, create ${onOff(rules.create)}` });
  } else if (s.rules !== undefined) {
    lines.push({ label: "Rules", value: JSON.stringify(s.rules) });
  }
  if (Array.isArray(s.mappings)) {
    const mapped = s.mappings.map((m: unknown) => {
      const row = record(m) ?? {};
      const text = (key: string) => (typeof row[key] === "string" ? row[key] : "?");
      return `${text("field_key")} → ${text("property")} (${text("write_rule")})`;
    });
    lines.push({ label: "Mapping", value: mapped.join(", ") });
  }
  if (Array.isArray(s.emails) && s.emails.length > 0) {
    lines.push({ label: "Leads", value: s.emails.filter((e) => typeof e === "string").join(", ") });
  }
  return lines;
}
