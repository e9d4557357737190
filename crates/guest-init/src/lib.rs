//! Airlock's guest init: PID 1 of every microVM. `frame` is the control protocol's wire format
//! (shared with the host through `tests/fixtures/frames.bin`); `boot` brings up the root
//! filesystem; `server` runs commands for the host.

pub mod boot;
pub mod frame;
pub mod mounts;
pub mod net;
pub mod server;
mod sys;

/// Syncs and ends the VM (the host runs QEMU with `-no-reboot`).
pub fn power_off() -> ! {
    sys::sync_and_power_off()
}
