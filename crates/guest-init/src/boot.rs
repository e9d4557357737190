//! From the initramfs to the real root: mounts, modules, the EROFS root (optionally under an
//! overlay with a tmpfs upper), switch root, hostname, and finding the control port.

use crate::mounts::{self, MountSpec};
use crate::net;
use crate::sys;
use std::fs;
use std::io;
use std::os::fd::AsRawFd;
use std::path::Path;
use std::time::{Duration, Instant};

/// Written by `build-artifacts.sh` into the initramfs: one `.ko` path per line, in load order.
const MODULE_LIST: &str = "/etc/airlock/modules";
const ROOT_DEVICE: &str = "/dev/vda";

/// What the host asked for on the kernel command line (`airlock.*` parameters).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BootOptions {
    /// `airlock.overlay=1`: writable root (tmpfs upper over the EROFS image), lost at close.
    pub overlay: bool,
    pub hostname: String,
    /// `airlock.ctl=NAME`: the virtio-serial port name of the control channel.
    pub control_port: String,
    /// `airlock.mount=PATH@PORT` and `airlock.vmount=PATH@TAG[:exec]` (repeatable, in the order
    /// given, so parents come before children): 9P exports of the host to mount at PATH.
    pub mounts: Vec<MountSpec>,
    /// `airlock.net=1`: bring up the restricted network the host's egress policy serves.
    pub net: bool,
}

impl BootOptions {
    pub fn from_cmdline(cmdline: &str) -> Self {
        let mut opts = BootOptions {
            overlay: false,
            hostname: "airlock".into(),
            control_port: "airlock.ctl".into(),
            mounts: Vec::new(),
            net: false,
        };
        for word in cmdline.split_whitespace() {
            if let Some((key, value)) = word.split_once('=') {
                match key {
                    "airlock.overlay" => opts.overlay = value == "1",
                    "airlock.net" => opts.net = value == "1",
                    "airlock.hostname" if !value.is_empty() && value.len() <= 64 => opts.hostname = value.into(),
                    "airlock.ctl" if !value.is_empty() => opts.control_port = value.into(),
                    "airlock.mount" | "airlock.vmount" => {
                        let spec = if key == "airlock.mount" {
                            MountSpec::parse(value)
                        } else {
                            MountSpec::parse_virtio(value)
                        };
                        match spec {
                            Some(m) if !opts.mounts.iter().any(|o| o.guest_path == m.guest_path) => opts.mounts.push(m),
                            _ => eprintln!("airlock-init: ignoring {key}={value}"),
                        }
                    }
                    _ => {}
                }
            }
        }
        opts
    }
}

fn mkdir(path: &str) {
    let _ = fs::create_dir_all(path);
}

/// Runs the whole boot; returns the control port's device path and the options used.
pub fn boot() -> io::Result<(String, BootOptions)> {
    mkdir("/dev");
    mkdir("/proc");
    mkdir("/sys");
    sys::mount("devtmpfs", "/dev", "devtmpfs", libc::MS_NOSUID, "mode=0755")?;
    attach_console();
    sys::mount("proc", "/proc", "proc", libc::MS_NOSUID | libc::MS_NODEV | libc::MS_NOEXEC, "")?;
    sys::mount("sysfs", "/sys", "sysfs", libc::MS_NOSUID | libc::MS_NODEV | libc::MS_NOEXEC, "")?;
    let opts = BootOptions::from_cmdline(&fs::read_to_string("/proc/cmdline").unwrap_or_default());

    let t = Instant::now();
    load_modules(MODULE_LIST)?;
    if !opts.mounts.is_empty() {
        // 9P costs boot time under TCG: loaded only when the host asked for mounts.
        load_modules(mounts::MODULE_LIST_9P)?;
    }
    if opts.net {
        load_modules(net::MODULE_LIST_NET)?;
    }
    wait_for(Path::new(ROOT_DEVICE), Duration::from_secs(20))?;
    eprintln!("airlock-init: modules and root device in {} ms", t.elapsed().as_millis());

    mkdir("/lower");
    sys::mount(ROOT_DEVICE, "/lower", "erofs", libc::MS_RDONLY, "")?;
    // Mount points may not exist in the read-only image: an overlay lets init create them, and
    // is remounted read-only afterwards unless the host asked for a writable root.
    let newroot = if opts.overlay || !opts.mounts.is_empty() || opts.net {
        mkdir("/rw");
        sys::mount("tmpfs", "/rw", "tmpfs", 0, "mode=0755")?;
        mkdir("/rw/upper");
        mkdir("/rw/work");
        mkdir("/newroot");
        sys::mount("overlay", "/newroot", "overlay", 0, "lowerdir=/lower,upperdir=/rw/upper,workdir=/rw/work")?;
        "/newroot"
    } else {
        "/lower"
    };
    for dir in ["/dev", "/proc", "/sys"] {
        sys::mount(dir, &format!("{newroot}{dir}"), "", libc::MS_MOVE, "")?;
    }
    std::env::set_current_dir(newroot)?;
    sys::mount(".", "/", "", libc::MS_MOVE, "")?;
    sys::chroot(".")?;
    std::env::set_current_dir("/")?;

    // Scratch space even on a read-only root; it lives in guest RAM and dies with the VM.
    sys::mount("tmpfs", "/tmp", "tmpfs", libc::MS_NOSUID | libc::MS_NODEV, "mode=1777")?;
    sys::mount("tmpfs", "/run", "tmpfs", libc::MS_NOSUID | libc::MS_NODEV, "mode=0755")?;
    // cgroup v2 gives every exec a group that can be killed whole, even processes that left
    // the exec's process group with setsid().
    if sys::mount("cgroup2", "/sys/fs/cgroup", "cgroup2", libc::MS_NOSUID | libc::MS_NODEV | libc::MS_NOEXEC, "")
        .is_err()
    {
        eprintln!("airlock-init: cgroup2 unavailable; timeouts fall back to process-group kills");
    }
    mkdir("/dev/pts");
    let _ = sys::mount("devpts", "/dev/pts", "devpts", libc::MS_NOSUID | libc::MS_NOEXEC, "");
    sys::sethostname(&opts.hostname)?;

    if opts.net {
        net::configure()?;
    }
    if !opts.mounts.is_empty() {
        let t = Instant::now();
        mounts::mount_all(&opts.mounts, |name| find_control_port(name, Duration::from_secs(10)))?;
        eprintln!("airlock-init: {} 9p mount(s) in {} ms", opts.mounts.len(), t.elapsed().as_millis());
    }
    if !opts.overlay && (opts.net || !opts.mounts.is_empty()) {
        let _ = sys::mount("", "/", "", libc::MS_REMOUNT | libc::MS_RDONLY, "")
            .map_err(|e| eprintln!("airlock-init: root stays writable: {e}"));
    }

    let port = find_control_port(&opts.control_port, Duration::from_secs(10))?;
    Ok((port, opts))
}

/// The kernel starts init with no fds when the initramfs has no /dev/console; attach them now so
/// diagnostics reach the serial console the host keeps.
fn attach_console() {
    if let Ok(console) = fs::OpenOptions::new().read(true).write(true).open("/dev/console") {
        for fd in 0..3 {
            unsafe { libc::dup2(console.as_raw_fd(), fd) };
        }
    }
}

fn load_modules(list_path: &str) -> io::Result<()> {
    let list = match fs::read_to_string(list_path) {
        Ok(list) => list,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    for path in list.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')) {
        sys::finit_module(path)?;
        // The initramfs stays in RAM after switch root; drop what is no longer needed.
        let _ = fs::remove_file(path);
    }
    Ok(())
}

fn wait_for(path: &Path, limit: Duration) -> io::Result<()> {
    let start = Instant::now();
    while !path.exists() {
        if start.elapsed() > limit {
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                format!("{} did not appear within {limit:?}", path.display()),
            ));
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    Ok(())
}

/// virtio-serial ports appear as /dev/vportNpM; the name given by the host is in sysfs
/// (there is no udev to make /dev/virtio-ports/NAME).
fn find_control_port(name: &str, limit: Duration) -> io::Result<String> {
    let start = Instant::now();
    loop {
        if let Ok(entries) = fs::read_dir("/sys/class/virtio-ports") {
            for entry in entries.flatten() {
                let port_name = fs::read_to_string(entry.path().join("name")).unwrap_or_default();
                if port_name.trim() == name {
                    let dev = format!("/dev/{}", entry.file_name().to_string_lossy());
                    if Path::new(&dev).exists() {
                        return Ok(dev);
                    }
                }
            }
        }
        if start.elapsed() > limit {
            return Err(io::Error::new(io::ErrorKind::NotFound, format!("no virtio-serial port named {name}")));
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

#[cfg(test)]
mod tests {
    use super::BootOptions;
    use crate::mounts::Transport;

    #[test]
    fn cmdline_defaults_and_overrides() {
        let d = BootOptions::from_cmdline("console=ttyS0 quiet");
        assert_eq!(
            d,
            BootOptions {
                overlay: false,
                hostname: "airlock".into(),
                control_port: "airlock.ctl".into(),
                mounts: vec![],
                net: false
            }
        );
        let o = BootOptions::from_cmdline("airlock.overlay=1 airlock.hostname=box-1 airlock.ctl=c2 airlock.bogus");
        assert_eq!(
            o,
            BootOptions {
                overlay: true,
                hostname: "box-1".into(),
                control_port: "c2".into(),
                mounts: vec![],
                net: false
            }
        );
        let m = BootOptions::from_cmdline(
            "airlock.mount=/w@p0 airlock.mount=/w@p1 airlock.mount=/x/../y@p2 airlock.vmount=/s@t3 \
             airlock.vmount=/w@t4 airlock.mount=/s/sub@p5 airlock.vmount=/e@t6:exec airlock.vmount=/z@t7:rw",
        );
        let paths: Vec<_> = m.mounts.iter().map(|m| (m.guest_path.as_str(), m.source.as_str(), m.transport)).collect();
        assert_eq!(
            paths,
            [
                ("/w", "p0", Transport::Serial),
                ("/s", "t3", Transport::Virtio { exec: false }),
                ("/s/sub", "p5", Transport::Serial),
                ("/e", "t6", Transport::Virtio { exec: true }),
            ]
        );
        let long = "x".repeat(65);
        assert_eq!(BootOptions::from_cmdline(&format!("airlock.hostname={long}")).hostname, "airlock");
    }
}
