//! The guest's network, present only when the host gives a policy (`airlock.net=1`): QEMU user
//! networking with `restrict=on`, where the only reachable addresses are the host's forwards.
//! Init brings up `lo` and `eth0` with a fixed address; there is no default route, so nothing
//! outside the virtual subnet is even attempted.

use std::fs;
use std::io;
use std::path::Path;
use std::time::{Duration, Instant};

/// Written by `build-artifacts.sh`: virtio_net and its dependencies.
pub const MODULE_LIST_NET: &str = "/etc/airlock/modules.net";
pub const GUEST_ADDR: [u8; 4] = [10, 0, 2, 15];
pub const NETMASK: [u8; 4] = [255, 255, 255, 0];
/// The host's DNS responder (a forward on the slirp resolver address, TCP only).
pub const RESOLVER: &str = "10.0.2.3";

#[repr(C)]
struct IfreqAddr {
    name: [u8; libc::IFNAMSIZ],
    addr: libc::sockaddr_in,
    _pad: [u8; 8],
}

#[repr(C)]
struct IfreqFlags {
    name: [u8; libc::IFNAMSIZ],
    flags: libc::c_short,
    _pad: [u8; 22],
}

fn ifname(name: &str) -> [u8; libc::IFNAMSIZ] {
    let mut out = [0u8; libc::IFNAMSIZ];
    out[..name.len()].copy_from_slice(name.as_bytes());
    out
}

fn ioctl<T>(sock: i32, request: libc::c_ulong, arg: &mut T, what: &str) -> io::Result<()> {
    if unsafe { libc::ioctl(sock, request as _, arg as *mut T) } < 0 {
        let e = io::Error::last_os_error();
        return Err(io::Error::new(e.kind(), format!("{what}: {e}")));
    }
    Ok(())
}

fn set_addr(sock: i32, name: &str, request: libc::c_ulong, ip: [u8; 4], what: &str) -> io::Result<()> {
    let mut req = IfreqAddr {
        name: ifname(name),
        addr: libc::sockaddr_in {
            sin_family: libc::AF_INET as libc::sa_family_t,
            sin_port: 0,
            sin_addr: libc::in_addr { s_addr: u32::from_ne_bytes(ip) },
            sin_zero: [0; 8],
        },
        _pad: [0; 8],
    };
    ioctl(sock, request, &mut req, what)
}

fn up(sock: i32, name: &str) -> io::Result<()> {
    let mut req = IfreqFlags { name: ifname(name), flags: 0, _pad: [0; 22] };
    ioctl(sock, libc::SIOCGIFFLAGS, &mut req, "SIOCGIFFLAGS")?;
    req.flags |= (libc::IFF_UP | libc::IFF_RUNNING) as libc::c_short;
    ioctl(sock, libc::SIOCSIFFLAGS, &mut req, "SIOCSIFFLAGS")
}

/// Brings up `lo` and `eth0` (10.0.2.15/24) and points the resolver at the host's responder.
/// Runs while the root is still writable (it is remounted read-only afterwards).
pub fn configure() -> io::Result<()> {
    let start = Instant::now();
    while !Path::new("/sys/class/net/eth0").exists() {
        if start.elapsed() > Duration::from_secs(10) {
            return Err(io::Error::new(io::ErrorKind::NotFound, "no eth0 within 10 s"));
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    let sock = unsafe { libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0) };
    if sock < 0 {
        return Err(io::Error::last_os_error());
    }
    let result = (|| {
        up(sock, "lo")?;
        set_addr(sock, "eth0", libc::SIOCSIFADDR, GUEST_ADDR, "SIOCSIFADDR eth0")?;
        set_addr(sock, "eth0", libc::SIOCSIFNETMASK, NETMASK, "SIOCSIFNETMASK eth0")?;
        up(sock, "eth0")
    })();
    unsafe { libc::close(sock) };
    result?;
    // `use-vc`: the responder is reached through a TCP forward (user networking forwards no UDP).
    fs::write("/etc/resolv.conf", format!("nameserver {RESOLVER}\noptions use-vc\n"))?;
    Ok(())
}
