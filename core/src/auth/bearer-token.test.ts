import { describe, expect, it } from "vitest";
import { bearerToken } from "./bearer-token.ts";

describe("bearerToken", () => {
  it.each([
    ["Bearer npt_abc", "npt_abc"],
    ["bearer npt_abc", "npt_abc"],
    ["BEARER   npt_abc", "npt_abc"],
  ])("reads %j as the token", (header, token) => {
    expect(bearerToken(header)).toBe(token);
  });

  it.each([
    [undefined],
    [null],
    [""],
    ["Bearer"],
    ["Bearer "],
    ["Basic dXNlcjpwYXNz"],
    ["Bearer two tokens"],
    ["npt_abc"],
  ])("finds no token in %j", (header) => {
    expect(bearerToken(header)).toBeUndefined();
  });
});
