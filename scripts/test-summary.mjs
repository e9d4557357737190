// Adds up the vitest JSON reports of every workspace package and prints one closing line,
// "N passed, N failed, N skipped", so CI (and people) see the total of the whole suite.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const roots = ["packages", "apps"].flatMap((d) =>
  existsSync(d) ? readdirSync(d).map((p) => join(d, p)) : [],
);
roots.push("e2e");
let passed = 0;
let failed = 0;
let skipped = 0;
const rows = [];
for (const dir of roots) {
  const pkg = join(dir, "package.json");
  if (!existsSync(pkg) || !JSON.parse(readFileSync(pkg, "utf8")).scripts?.test) continue;
  const file = join(dir, ".vitest-report.json");
  if (!existsSync(file)) {
    // A package whose tests did not report (crashed before vitest, or no JSON reporter) is a failure.
    failed += 1;
    rows.push(
      `  ${dir.padEnd(24)} NO REPORT (its test script did not finish or lacks the JSON reporter)`,
    );
    continue;
  }
  const r = JSON.parse(readFileSync(file, "utf8"));
  passed += r.numPassedTests;
  failed += r.numFailedTests;
  skipped += r.numPendingTests + (r.numTodoTests ?? 0);
  rows.push(`  ${dir.padEnd(24)} ${r.numPassedTests} passed, ${r.numFailedTests} failed`);
}
console.log("== summary\n" + rows.join("\n"));
if (rows.length === 0) {
  console.log("no test reports found");
  process.exit(1);
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 ? 1 : 0);
