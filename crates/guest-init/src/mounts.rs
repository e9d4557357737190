//! Host directories in the guest, two ways:
//! - 9P2000.L served by the host's TypeScript server, carried over one virtio-serial port per
//!   mount. The kernel's 9P `fd` transport cannot write to a virtio-serial port directly ("kernel
//!   write not supported"), so init hands it one end of a socketpair and relays the other end to
//!   the port with two threads. Any `@airlock/vfs` filesystem can be served this way.
//! - QEMU's own virtio-9p device (`trans=virtio`), for read-only host directories: QEMU reads the
//!   file straight into guest memory, one virtqueue round trip per 9P message instead of one per
//!   4 KiB virtio-serial buffer. Always mounted read-only, `noexec` unless the grant allows exec.

use crate::sys;
use std::fs;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::time::Duration;

/// Written by `build-artifacts.sh`: the 9P modules, loaded only when the host asks for mounts.
pub const MODULE_LIST_9P: &str = "/etc/airlock/modules.9p";
/// Largest 9P message; the host's server accepts the same.
pub const MSIZE: u32 = 512 * 1024 + 24;
/// Largest 9P message the 6.1 kernel's virtio transport takes (`PAGE_SIZE * (VIRTQUEUE_NUM - 3)`);
/// asking for more only logs a warning and clamps.
pub const MSIZE_VIRTIO: u32 = 4096 * 125;

/// How a mount reaches the host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// `airlock.mount=PATH@PORT`: the host's 9P server over a virtio-serial port, relayed by init.
    Serial,
    /// `airlock.vmount=PATH@TAG[:exec]`: QEMU's virtio-9p device with that mount tag; read-only,
    /// and `noexec` unless `:exec` is given.
    Virtio { exec: bool },
}

/// One `airlock.mount=` or `airlock.vmount=` word of the kernel command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MountSpec {
    pub guest_path: String,
    /// The virtio-serial port name (serial) or the virtio-9p mount tag (virtio).
    pub source: String,
    pub transport: Transport,
}

impl MountSpec {
    /// `airlock.mount=` value: absolute paths of `[A-Za-z0-9._/-]` without `.`/`..` components;
    /// port names of `[A-Za-z0-9._-]`. Anything else is ignored (the host validates first).
    pub fn parse(value: &str) -> Option<Self> {
        Self::parse_with(value, Transport::Serial)
    }

    /// `airlock.vmount=` value: as [`MountSpec::parse`], with an optional `:exec` suffix.
    pub fn parse_virtio(value: &str) -> Option<Self> {
        let (value, exec) = match value.strip_suffix(":exec") {
            Some(v) => (v, true),
            None => (value, false),
        };
        Self::parse_with(value, Transport::Virtio { exec })
    }

    fn parse_with(value: &str, transport: Transport) -> Option<Self> {
        let (path, port) = value.rsplit_once('@')?;
        let path_ok = path.starts_with('/')
            && path.len() > 1
            && path.len() < 256
            && path.bytes().all(|b| b.is_ascii_alphanumeric() || b"._/-".contains(&b))
            && path.split('/').skip(1).all(|c| !c.is_empty() && c != "." && c != "..");
        let port_ok = !port.is_empty()
            && port.len() < 64
            && port.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b));
        (path_ok && port_ok).then(|| MountSpec { guest_path: path.into(), source: port.into(), transport })
    }
}

/// Mounts every requested 9P export: creates the mount point, starts the relay, mounts.
pub fn mount_all(specs: &[MountSpec], find_port: impl Fn(&str) -> io::Result<String>) -> io::Result<()> {
    for spec in specs {
        fs::create_dir_all(&spec.guest_path)
            .map_err(|e| io::Error::new(e.kind(), format!("mount point {}: {e}", spec.guest_path)))?;
        if let Transport::Virtio { exec } = spec.transport {
            // Read-only here too, although QEMU's `readonly=on` export is what enforces it.
            let flags = libc::MS_NOSUID | libc::MS_NODEV | libc::MS_RDONLY | if exec { 0 } else { libc::MS_NOEXEC };
            let data = format!("trans=virtio,version=9p2000.L,msize={MSIZE_VIRTIO},cache=none,access=any");
            sys::mount(&spec.source, &spec.guest_path, "9p", flags, &data)?;
            continue;
        }
        let dev = find_port(&spec.source)?;
        let port = fs::OpenOptions::new().read(true).write(true).open(&dev)?;
        let (kernel_end, relay_end) = sys::socketpair()?;
        start_relay(port, relay_end)?;
        let fd = kernel_end.as_raw_fd();
        let data = format!("trans=fd,rfdno={fd},wfdno={fd},version=9p2000.L,msize={MSIZE},cache=none,access=any");
        sys::mount("airlock", &spec.guest_path, "9p", libc::MS_NOSUID | libc::MS_NODEV, &data)?;
        // The mount holds its own reference to the socket.
        drop(kernel_end);
    }
    Ok(())
}

fn start_relay(port: fs::File, sock: OwnedFd) -> io::Result<()> {
    let port_fd = port.as_raw_fd();
    let sock_fd = sock.as_raw_fd();
    let port_w = port.try_clone()?;
    // Host → kernel. A virtio-serial port reads EOF while no host is connected: wait for it.
    std::thread::Builder::new().name("9p-in".into()).spawn(move || {
        sys::block_all_signals_in_thread();
        let _keep = (&port, &sock);
        let mut buf = vec![0u8; 1 << 20];
        loop {
            match sys::read(port_fd, &mut buf) {
                Ok(0) => std::thread::sleep(Duration::from_millis(10)),
                Ok(n) => {
                    if write_all(sock_fd, &buf[..n]).is_err() {
                        return;
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => std::thread::sleep(Duration::from_millis(10)),
            }
        }
    })?;
    // Kernel → host.
    let sock_r = unsafe { OwnedFd::from_raw_fd(libc::dup(sock_fd)) };
    std::thread::Builder::new().name("9p-out".into()).spawn(move || {
        sys::block_all_signals_in_thread();
        let mut buf = vec![0u8; 1 << 20];
        loop {
            match sys::read(sock_r.as_raw_fd(), &mut buf) {
                Ok(0) => return,
                Ok(n) => {
                    let _ = write_all(port_w.as_raw_fd(), &buf[..n]);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => return,
            }
        }
    })?;
    Ok(())
}

fn write_all(fd: i32, mut data: &[u8]) -> io::Result<()> {
    while !data.is_empty() {
        match sys::write(fd, data) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => data = &data[n..],
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => std::thread::sleep(Duration::from_millis(1)),
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{MountSpec, Transport};

    #[test]
    fn parses_only_plain_absolute_paths() {
        assert_eq!(
            MountSpec::parse("/workspace@airlock.9p.0"),
            Some(MountSpec {
                guest_path: "/workspace".into(),
                source: "airlock.9p.0".into(),
                transport: Transport::Serial
            })
        );
        assert_eq!(MountSpec::parse("/a/b-c_d.e@p").map(|m| m.guest_path), Some("/a/b-c_d.e".into()));
        for bad in ["workspace@p", "/@p", "/a/../b@p", "/a//b@p", "/a/./b@p", "/a@", "/a", "/a b@p", "/a@p/q", "/a/@p"]
        {
            assert_eq!(MountSpec::parse(bad), None, "{bad}");
            assert_eq!(MountSpec::parse_virtio(bad), None, "{bad}");
            assert_eq!(MountSpec::parse_virtio(&format!("{bad}:exec")), None, "{bad}:exec");
        }
    }

    #[test]
    fn virtio_mounts_are_noexec_unless_asked() {
        assert_eq!(
            MountSpec::parse_virtio("/src@airlock.fs.1"),
            Some(MountSpec {
                guest_path: "/src".into(),
                source: "airlock.fs.1".into(),
                transport: Transport::Virtio { exec: false }
            })
        );
        assert_eq!(
            MountSpec::parse_virtio("/src@airlock.fs.1:exec").map(|m| m.transport),
            Some(Transport::Virtio { exec: true })
        );
        // Only a trailing `:exec` is a flag; anything else after the tag is not a valid name.
        for bad in ["/src@tag:rw", "/src@tag:exec:exec", "/src:exec@tag"] {
            assert_eq!(MountSpec::parse_virtio(bad), None, "{bad}");
        }
    }
}
