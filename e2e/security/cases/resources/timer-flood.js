// expect-status: timeout|out_of_memory
// options: {"timeoutMs": 1000}
setInterval(() => {
  for (let i = 0; i < 1000; i++) setTimeout(() => {}, 0);
}, 0);
