use guest_init::{boot, server};
use std::time::Instant;

fn main() {
    if std::process::id() != 1 {
        eprintln!("airlock-guest-init runs only as PID 1 inside an Airlock microVM");
        std::process::exit(2);
    }
    let started = Instant::now();
    let (port, opts) = match boot::boot() {
        Ok(v) => v,
        Err(e) => {
            // The host reads the serial console when a boot fails: say what broke, then end the VM.
            eprintln!("airlock-init: boot failed: {e}");
            guest_init::power_off();
        }
    };
    let uptime = std::fs::read_to_string("/proc/uptime").unwrap_or_default();
    eprintln!(
        "airlock-init: ready on {port} (overlay={}, init {} ms, uptime {}s)",
        opts.overlay,
        started.elapsed().as_millis(),
        uptime.split_whitespace().next().unwrap_or("?")
    );
    match server::Server::new(&port) {
        Ok(mut s) => s.run(),
        Err(e) => {
            eprintln!("airlock-init: cannot open {port}: {e}");
            guest_init::power_off();
        }
    }
}
