// expect-status: ok|error
// expect-exit: 3
// forbid-stdout: WRONG
// process.exit ends the program at once, even inside try/finally.
try {
  process.exit(3);
} finally {
  console.log("finally ran: WRONG");
  for (;;) {}
}
