//! Thin, checked wrappers over the few syscalls init needs that `std` does not offer.

use std::ffi::CString;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

fn cstr(s: &str) -> CString {
    CString::new(s).expect("path without NUL")
}

fn check(ret: libc::c_int) -> io::Result<()> {
    if ret < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(())
    }
}

pub fn mount(source: &str, target: &str, fstype: &str, flags: libc::c_ulong, data: &str) -> io::Result<()> {
    let (s, t, f, d) = (cstr(source), cstr(target), cstr(fstype), cstr(data));
    let data_ptr = if data.is_empty() { std::ptr::null() } else { d.as_ptr() as *const libc::c_void };
    let fs_ptr = if fstype.is_empty() { std::ptr::null() } else { f.as_ptr() };
    check(unsafe { libc::mount(s.as_ptr(), t.as_ptr(), fs_ptr, flags, data_ptr) })
        .map_err(|e| io::Error::new(e.kind(), format!("mount {source} on {target} ({fstype}): {e}")))
}

pub fn chroot(path: &str) -> io::Result<()> {
    let p = cstr(path);
    check(unsafe { libc::chroot(p.as_ptr()) })
}

pub fn sethostname(name: &str) -> io::Result<()> {
    check(unsafe { libc::sethostname(name.as_ptr() as *const libc::c_char, name.len()) })
}

/// Loads a kernel module from an open `.ko` file. `EEXIST` (already loaded or built in) is fine.
pub fn finit_module(path: &str) -> io::Result<()> {
    let file = std::fs::File::open(path)?;
    let empty = cstr("");
    let ret = unsafe { libc::syscall(libc::SYS_finit_module, file.as_raw_fd(), empty.as_ptr(), 0) };
    if ret < 0 {
        let e = io::Error::last_os_error();
        if e.raw_os_error() == Some(libc::EEXIST) {
            return Ok(());
        }
        return Err(io::Error::new(e.kind(), format!("finit_module {path}: {e}")));
    }
    Ok(())
}

pub fn set_realtime_ms(ms: u64) -> io::Result<()> {
    let ts = libc::timespec { tv_sec: (ms / 1000) as libc::time_t, tv_nsec: ((ms % 1000) * 1_000_000) as libc::c_long };
    check(unsafe { libc::clock_settime(libc::CLOCK_REALTIME, &ts) })
}

pub fn realtime_ms() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
}

/// Forces the kernel CRNG to reseed now. The reseed mixes in RDSEED/RDRAND output (fresh host
/// randomness under QEMU), so VMs restored from one snapshot stop sharing a random stream.
pub fn reseed_crng() -> io::Result<()> {
    const RNDRESEEDCRNG: libc::c_ulong = 0x5207; // _IO('R', 0x07)
    let file = std::fs::File::open("/dev/urandom")?;
    check(unsafe { libc::ioctl(file.as_raw_fd(), RNDRESEEDCRNG as _) })
}

pub fn set_nonblocking(fd: RawFd) -> io::Result<()> {
    let flags = unsafe { libc::fcntl(fd, libc::F_GETFL) };
    check(flags)?;
    check(unsafe { libc::fcntl(fd, libc::F_SETFL, flags | libc::O_NONBLOCK) })
}

/// Blocks SIGCHLD and returns a signalfd that becomes readable when a child changes state,
/// so the main loop can wait on children and file descriptors with a single `poll`.
pub fn sigchld_fd() -> io::Result<OwnedFd> {
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, libc::SIGCHLD);
        check(libc::sigprocmask(libc::SIG_BLOCK, &set, std::ptr::null_mut()))?;
        let fd = libc::signalfd(-1, &set, libc::SFD_NONBLOCK | libc::SFD_CLOEXEC);
        check(fd)?;
        Ok(OwnedFd::from_raw_fd(fd))
    }
}

/// Empties the signal mask inherited from init (which blocks SIGCHLD); called in the child.
pub fn unblock_all_signals() -> io::Result<()> {
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        check(libc::sigprocmask(libc::SIG_SETMASK, &set, std::ptr::null_mut()))
    }
}

pub fn read(fd: RawFd, buf: &mut [u8]) -> io::Result<usize> {
    let n = unsafe { libc::read(fd, buf.as_mut_ptr() as *mut libc::c_void, buf.len()) };
    if n < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(n as usize)
    }
}

pub fn write(fd: RawFd, buf: &[u8]) -> io::Result<usize> {
    let n = unsafe { libc::write(fd, buf.as_ptr() as *const libc::c_void, buf.len()) };
    if n < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(n as usize)
    }
}

pub fn poll(fds: &mut [libc::pollfd], timeout_ms: i32) -> io::Result<usize> {
    let n = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, timeout_ms) };
    if n < 0 {
        let e = io::Error::last_os_error();
        if e.kind() == io::ErrorKind::Interrupted {
            return Ok(0);
        }
        return Err(e);
    }
    Ok(n as usize)
}

pub fn kill(pid: i32, sig: i32) {
    unsafe {
        libc::kill(pid, sig);
    }
}

pub enum Reaped {
    Exited(i32, i32),
    Signaled(i32, i32),
}

/// Reaps one child in any state change that ends it; `None` when there is none left to reap.
pub fn reap_any() -> Option<Reaped> {
    let mut status = 0;
    let pid = unsafe { libc::waitpid(-1, &mut status, libc::WNOHANG) };
    if pid <= 0 {
        return None;
    }
    if libc::WIFEXITED(status) {
        Some(Reaped::Exited(pid, libc::WEXITSTATUS(status)))
    } else if libc::WIFSIGNALED(status) {
        Some(Reaped::Signaled(pid, libc::WTERMSIG(status)))
    } else {
        // Stopped/continued: not an end; report as exit-less by recursing for the next one.
        reap_any()
    }
}

pub fn sync_and_power_off() -> ! {
    unsafe {
        libc::sync();
        // The host runs QEMU with -no-reboot and the kernel with reboot=t, so a restart request
        // ends the QEMU process at once; power-off needs ACPI, which a microvm may lack.
        libc::reboot(libc::RB_AUTOBOOT);
        libc::_exit(0)
    }
}

/// A connected `AF_UNIX` stream pair, both ends close-on-exec (commands never inherit them).
pub fn socketpair() -> io::Result<(OwnedFd, OwnedFd)> {
    let mut fds = [0 as libc::c_int; 2];
    check(unsafe { libc::socketpair(libc::AF_UNIX, libc::SOCK_STREAM | libc::SOCK_CLOEXEC, 0, fds.as_mut_ptr()) })?;
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

/// Helper threads must not take SIGCHLD: the main loop reads it from a signalfd, which sees only
/// signals that stay pending because every thread blocks them.
pub fn block_all_signals_in_thread() {
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigfillset(&mut set);
        libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
    }
}

/// A new pseudo-terminal of `rows` × `cols`: `(master, slave)`, both close-on-exec and opened
/// without becoming init's controlling terminal. The master is non-blocking for the poll loop.
pub fn open_pty(rows: u16, cols: u16) -> io::Result<(OwnedFd, OwnedFd)> {
    unsafe {
        let m = libc::posix_openpt(libc::O_RDWR | libc::O_NOCTTY | libc::O_CLOEXEC);
        check(m)?;
        let master = OwnedFd::from_raw_fd(m);
        check(libc::grantpt(m))?;
        check(libc::unlockpt(m))?;
        // ptsname_r, not ptsname: no static buffer (init is single-threaded, but cheap to be safe).
        let mut name = [0 as libc::c_char; 64];
        let r = libc::ptsname_r(m, name.as_mut_ptr(), name.len());
        if r != 0 {
            return Err(io::Error::from_raw_os_error(r));
        }
        let s = libc::open(name.as_ptr(), libc::O_RDWR | libc::O_NOCTTY | libc::O_CLOEXEC);
        check(s)?;
        let slave = OwnedFd::from_raw_fd(s);
        set_winsize(master.as_raw_fd(), rows, cols)?;
        set_nonblocking(master.as_raw_fd())?;
        Ok((master, slave))
    }
}

/// Sets a terminal's size; the kernel sends SIGWINCH to its foreground process group.
pub fn set_winsize(fd: RawFd, rows: u16, cols: u16) -> io::Result<()> {
    let ws = libc::winsize { ws_row: rows, ws_col: cols, ws_xpixel: 0, ws_ypixel: 0 };
    check(unsafe { libc::ioctl(fd, libc::TIOCSWINSZ, &ws) })
}

/// In a forked child whose fd 0 is a pty slave: new session, that terminal as its controlling tty.
/// Async-signal-safe (two syscalls), as `pre_exec` requires.
pub fn become_session_leader_on_stdin() -> io::Result<()> {
    check(unsafe { libc::setsid() })?;
    check(unsafe { libc::ioctl(0, libc::TIOCSCTTY, 0) })
}

/// A duplicate of `fd`, close-on-exec.
pub fn dup(fd: RawFd) -> io::Result<OwnedFd> {
    let d = unsafe { libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, 0) };
    check(d)?;
    Ok(unsafe { OwnedFd::from_raw_fd(d) })
}
