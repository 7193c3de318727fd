import { describe, expect, it } from "vitest";

import { screenOfDigit } from "./screens";
import { shortcutOf } from "./shortcuts";

function key(key: string, mods: Partial<Record<"ctrlKey" | "metaKey" | "altKey" | "shiftKey", boolean>> = {}, target: EventTarget | null = null) {
  return { key, ctrlKey: false, metaKey: false, altKey: false, shiftKey: false, target, ...mods };
}

describe("shortcutOf", () => {
  it("reads Ctrl on Linux and Windows and ⌘ on a Mac, not the other", () => {
    expect(shortcutOf(key("k", { ctrlKey: true }), false)).toEqual({ kind: "palette" });
    expect(shortcutOf(key("k", { metaKey: true }), false)).toBeNull();
    expect(shortcutOf(key("k", { metaKey: true }), true)).toEqual({ kind: "palette" });
    expect(shortcutOf(key("k", { ctrlKey: true }), true)).toBeNull();
  });

  it("opens the screens by their place in the navigation", () => {
    expect(shortcutOf(key("1", { ctrlKey: true }), false)).toEqual({ kind: "open", screen: "overview" });
    expect(shortcutOf(key("2", { ctrlKey: true }), false)).toEqual({ kind: "open", screen: "leads" });
    expect(shortcutOf(key("5", { ctrlKey: true }), false)).toEqual({ kind: "open", screen: "schedules" });
    expect(shortcutOf(key("9", { ctrlKey: true }), false)).toEqual({ kind: "open", screen: "fields" });
    expect(shortcutOf(key("0", { ctrlKey: true }), false)).toBeNull();
    expect(screenOfDigit("10")).toBeUndefined();
    expect(shortcutOf(key("2", { ctrlKey: true, shiftKey: true }), false)).toBeNull();
  });

  it("previews with Ctrl+Enter and asks to run with Ctrl+Shift+Enter", () => {
    expect(shortcutOf(key("Enter", { ctrlKey: true }), false)).toEqual({ kind: "preview" });
    expect(shortcutOf(key("Enter", { ctrlKey: true, shiftKey: true }), false)).toEqual({ kind: "run" });
    expect(shortcutOf(key("Enter"), false)).toBeNull();
  });

  it("searches with Ctrl+F, or / unless a field is being typed in", () => {
    expect(shortcutOf(key("f", { ctrlKey: true }), false)).toEqual({ kind: "search" });
    expect(shortcutOf(key("/", {}, document.body), false)).toEqual({ kind: "search" });
    expect(shortcutOf(key("/", {}, document.createElement("input")), false)).toBeNull();
    expect(shortcutOf(key("/", {}, document.createElement("textarea")), false)).toBeNull();
    expect(shortcutOf(key("k", { ctrlKey: true, altKey: true }), false)).toBeNull();
  });
});
