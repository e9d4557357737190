import { expect, it } from "vitest";

it("pins the public export list", async () => {
  const mod = await import("../src/index.js");
  expect(Object.keys(mod).sort()).toEqual([
    "FreezeCompileError",
    "FreezeParseError",
    "FreezeReportMismatchError",
    "FrozenDeadlineError",
    "analyze",
    "compile",
    "errors",
    "explain",
    "frozenImports",
    "instantiateFrozen",
    "numericLiteral",
  ]);
});
