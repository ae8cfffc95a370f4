import { describe, expect, it } from "vitest";
import { isDrawerChord, isTypingTarget, togglesDrawer } from "./drawer-shortcut";

const chord = (key: string, mods: Partial<Record<"ctrlKey" | "metaKey" | "altKey" | "shiftKey", boolean>> = {}) => ({
  key,
  ctrlKey: false,
  metaKey: false,
  altKey: false,
  shiftKey: false,
  ...mods,
});

describe("the Ctrl/Cmd+K shortcut", () => {
  it("is Ctrl+K or Cmd+K with no other modifier", () => {
    expect(isDrawerChord(chord("k", { ctrlKey: true }))).toBe(true);
    expect(isDrawerChord(chord("K", { metaKey: true }))).toBe(true);
    expect(isDrawerChord(chord("k"))).toBe(false);
    expect(isDrawerChord(chord("k", { ctrlKey: true, shiftKey: true }))).toBe(false);
    expect(isDrawerChord(chord("k", { ctrlKey: true, altKey: true }))).toBe(false);
    expect(isDrawerChord(chord("j", { ctrlKey: true }))).toBe(false);
  });

  it("leaves text fields elsewhere alone, but works from buttons, the page and the drawer's own box", () => {
    const k = chord("k", { ctrlKey: true });
    expect(togglesDrawer(k, { tagName: "TEXTAREA" }, false)).toBe(false);
    expect(togglesDrawer(k, { tagName: "INPUT", type: "search" }, false)).toBe(false);
    expect(togglesDrawer(k, { tagName: "DIV", isContentEditable: true }, false)).toBe(false);
    expect(togglesDrawer(k, { tagName: "TEXTAREA" }, true)).toBe(true);
    expect(togglesDrawer(k, { tagName: "BUTTON" }, false)).toBe(true);
    expect(togglesDrawer(k, { tagName: "INPUT", type: "checkbox" }, false)).toBe(true);
    expect(togglesDrawer(k, { tagName: "BODY" }, false)).toBe(true);
    expect(togglesDrawer(k, null, false)).toBe(true);
    expect(isTypingTarget({ tagName: "SELECT" })).toBe(true);
    expect(isTypingTarget({ tagName: "INPUT" })).toBe(true);
  });
});
