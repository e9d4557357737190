// expect-status: ok|timeout
// fixture: commands
// options: {"timeoutMs": 3000}
// A granted command that leaves a sleeping grandchild behind: the run deadline must reap all of it.
const { spawnSync } = require("child_process");
spawnSync("git", ["status"], { timeout: 1000 });
spawnSync("cat", [], { timeout: 500, input: "" });
console.log("done");
