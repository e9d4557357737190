//! The control loop: one `poll` over the control port, a SIGCHLD signalfd and every running
//! command's pipes. Single-threaded on purpose: PID 1 must never deadlock or crash, and one loop
//! with non-blocking pipes has no locks to get wrong.

use crate::frame::{error_code, DecodeError, Frame, FrameReader, WinSize, VERSION};
use crate::sys;
use std::collections::HashMap;
use std::ffi::OsStr;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::fd::{AsRawFd, FromRawFd, IntoRawFd, OwnedFd, RawFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const AGENT: &str = concat!("airlock-guest-init/", env!("CARGO_PKG_VERSION"));
/// Output is sent in chunks of at most this size (well under `MAX_PAYLOAD`).
const CHUNK: usize = 64 * 1024;
/// How often to look again for a host while none is connected (the port reports HUP meanwhile).
const RECONNECT_POLL: Duration = Duration::from_millis(10);
/// After a command's main process exits, how long its pipes may stay open before init stops
/// waiting for them (only matters if the cgroup could not kill a straggler).
const DRAIN_LIMIT: Duration = Duration::from_secs(2);
const CGROUP_ROOT: &str = "/sys/fs/cgroup";
const DEFAULT_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

struct Job {
    pid: i32,
    stdout: Option<OwnedFd>,
    stderr: Option<OwnedFd>,
    stdin: Option<OwnedFd>,
    stdin_buf: Vec<u8>,
    stdin_closing: bool,
    /// `(code, signal)` once the main process has been reaped.
    status: Option<(i32, u8)>,
    deadline: Option<Instant>,
    drain_deadline: Option<Instant>,
    timed_out: bool,
    cgroup: Option<String>,
    /// The pty master of a terminal exec (kept for resizes). `stdout` and `stdin` are duplicates
    /// of it, so output and input go through the same paths as for pipes.
    pty: Option<OwnedFd>,
}

#[derive(Clone, Copy)]
enum Slot {
    Control,
    Child,
    Out(u32),
    Err(u32),
    In(u32),
}

pub struct Server {
    ctl: File,
    connected: bool,
    reader: FrameReader,
    jobs: HashMap<u32, Job>,
    sigchld: OwnedFd,
    cgroups: bool,
    cgroup_seq: u64,
    stale_cgroups: Vec<String>,
}

impl Server {
    pub fn new(control_port: &str) -> io::Result<Self> {
        let ctl = OpenOptions::new().read(true).write(true).open(control_port)?;
        let sigchld = sys::sigchld_fd()?;
        let cgroups = fs::metadata(format!("{CGROUP_ROOT}/cgroup.procs")).is_ok();
        Ok(Server {
            ctl,
            connected: true,
            reader: FrameReader::new(),
            jobs: HashMap::new(),
            sigchld,
            cgroups,
            cgroup_seq: 0,
            stale_cgroups: Vec::new(),
        })
    }

    pub fn run(&mut self) -> ! {
        loop {
            if let Err(e) = self.turn() {
                // Never let an I/O surprise end PID 1: report it and keep serving.
                eprintln!("airlock-init: control loop: {e}");
                std::thread::sleep(Duration::from_millis(10));
            }
        }
    }

    fn turn(&mut self) -> io::Result<()> {
        let now = Instant::now();
        self.enforce_deadlines(now);

        let mut fds = Vec::new();
        let mut slots = Vec::new();
        let mut push = |fd: RawFd, events: i16, slot: Slot| {
            fds.push(libc::pollfd { fd, events, revents: 0 });
            slots.push(slot);
        };
        if self.connected {
            push(self.ctl.as_raw_fd(), libc::POLLIN, Slot::Control);
        }
        push(self.sigchld.as_raw_fd(), libc::POLLIN, Slot::Child);
        for (&id, job) in &self.jobs {
            if let Some(fd) = &job.stdout {
                push(fd.as_raw_fd(), libc::POLLIN, Slot::Out(id));
            }
            if let Some(fd) = &job.stderr {
                push(fd.as_raw_fd(), libc::POLLIN, Slot::Err(id));
            }
            if let Some(fd) = &job.stdin {
                if !job.stdin_buf.is_empty() {
                    push(fd.as_raw_fd(), libc::POLLOUT, Slot::In(id));
                }
            }
        }
        let mut timeout = self.next_deadline().map(|d| d.saturating_duration_since(now));
        if !self.connected {
            timeout = Some(timeout.map_or(RECONNECT_POLL, |t| t.min(RECONNECT_POLL)));
        }
        let timeout_ms = timeout.map_or(-1, |t| (t.as_millis() as i32).saturating_add(1));
        sys::poll(&mut fds, timeout_ms)?;

        for (pfd, slot) in fds.iter().zip(slots) {
            if pfd.revents == 0 {
                continue;
            }
            match slot {
                Slot::Control => self.on_control(pfd.revents)?,
                Slot::Child => self.on_sigchld(),
                Slot::Out(id) => self.on_output(id, false),
                Slot::Err(id) => self.on_output(id, true),
                Slot::In(id) => self.flush_stdin(id),
            }
        }
        if !self.connected {
            self.check_reconnect();
        }
        self.finish_jobs();
        Ok(())
    }

    fn next_deadline(&self) -> Option<Instant> {
        self.jobs
            .values()
            .flat_map(|j| [if j.status.is_none() && !j.timed_out { j.deadline } else { None }, j.drain_deadline])
            .flatten()
            .min()
    }

    fn enforce_deadlines(&mut self, now: Instant) {
        let mut expired = Vec::new();
        for (&id, job) in self.jobs.iter_mut() {
            if job.status.is_none() && !job.timed_out && job.deadline.is_some_and(|d| d <= now) {
                job.timed_out = true;
                expired.push(id);
            }
            if job.drain_deadline.is_some_and(|d| d <= now) {
                // Something outside the exec's cgroup kept its pipes open: stop waiting.
                job.stdout = None;
                job.stderr = None;
            }
        }
        for id in expired {
            self.kill_tree(id, libc::SIGKILL);
        }
    }

    /// Signals the exec's process group and, for SIGKILL, everything left in its cgroup.
    fn kill_tree(&mut self, id: u32, signal: i32) {
        if let Some(job) = self.jobs.get(&id) {
            sys::kill(-job.pid, signal);
            if signal == libc::SIGKILL {
                if let Some(cg) = &job.cgroup {
                    let _ = fs::write(format!("{cg}/cgroup.kill"), "1");
                }
            }
        }
    }

    fn check_reconnect(&mut self) {
        let mut pfd = [libc::pollfd { fd: self.ctl.as_raw_fd(), events: libc::POLLIN, revents: 0 }];
        if sys::poll(&mut pfd, 0).is_ok() && pfd[0].revents & libc::POLLHUP == 0 {
            self.connected = true;
        }
    }

    fn on_control(&mut self, revents: i16) -> io::Result<()> {
        if revents & libc::POLLIN == 0 {
            if revents & (libc::POLLHUP | libc::POLLERR) != 0 {
                self.on_disconnect();
            }
            return Ok(());
        }
        let mut buf = vec![0u8; CHUNK];
        let n = match sys::read(self.ctl.as_raw_fd(), &mut buf) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted || e.kind() == io::ErrorKind::WouldBlock => return Ok(()),
            Err(e) => return Err(e),
        };
        if n == 0 {
            // virtio-serial reads EOF while no host is connected (before attach, after a
            // disconnect, around snapshot restore): wait for the next host instead of exiting.
            self.on_disconnect();
            return Ok(());
        }
        self.reader.push(&buf[..n]);
        while let Some(result) = self.reader.next_frame() {
            match result {
                Ok(frame) => self.on_frame(frame),
                Err(DecodeError { code, id, message }) => {
                    self.send(&Frame::Error { id, code, errno: libc::EINVAL, message: message.into_bytes() })
                }
            }
        }
        Ok(())
    }

    fn on_disconnect(&mut self) {
        self.connected = false;
        self.reader = FrameReader::new();
        // Nobody can receive their output any more; end them rather than let them block.
        let ids: Vec<u32> = self.jobs.keys().copied().collect();
        for id in ids {
            self.kill_tree(id, libc::SIGKILL);
        }
    }

    fn on_frame(&mut self, frame: Frame) {
        match frame {
            Frame::Hello { version, unix_ms, .. } => {
                // A hello also starts every session after a snapshot restore, where the clock is
                // stale and the RNG state is a copy shared with every other restored VM.
                if unix_ms > 0 {
                    if let Err(e) = sys::set_realtime_ms(unix_ms) {
                        eprintln!("airlock-init: cannot set the clock: {e}");
                    }
                }
                if let Err(e) = sys::reseed_crng() {
                    eprintln!("airlock-init: cannot reseed the RNG: {e}");
                }
                self.send(&Frame::Hello {
                    version: VERSION,
                    agent: AGENT.as_bytes().to_vec(),
                    unix_ms: sys::realtime_ms(),
                });
                if version != VERSION {
                    self.send(&Frame::Error {
                        id: 0,
                        code: error_code::UNSUPPORTED_VERSION,
                        errno: 0,
                        message: format!("host speaks protocol {version}, guest speaks {VERSION}").into_bytes(),
                    });
                }
            }
            Frame::Exec { id, stdin, timeout_ms, cwd, argv, env, pty } => {
                if self.jobs.contains_key(&id) {
                    self.send(&Frame::Error {
                        id,
                        code: error_code::DUPLICATE_ID,
                        errno: libc::EEXIST,
                        message: format!("exec id {id} is still running").into_bytes(),
                    });
                    return;
                }
                match self.spawn(id, stdin, timeout_ms, &cwd, &argv, &env, pty) {
                    Ok(job) => {
                        self.jobs.insert(id, job);
                    }
                    Err(e) => self.send(&Frame::Error {
                        id,
                        code: error_code::SPAWN_FAILED,
                        errno: e.raw_os_error().unwrap_or(0),
                        message: e.to_string().into_bytes(),
                    }),
                }
            }
            Frame::Stdin { id, data } => match self.jobs.get_mut(&id) {
                Some(job) if job.stdin.is_some() && !job.stdin_closing => {
                    job.stdin_buf.extend_from_slice(&data);
                    self.flush_stdin(id);
                }
                Some(_) => {} // stdin already closed (or /dev/null): drop, as a closed pipe would.
                None => self.unknown_id(id),
            },
            Frame::StdinClose { id } => match self.jobs.get_mut(&id) {
                Some(job) => {
                    job.stdin_closing = true;
                    self.flush_stdin(id);
                }
                None => self.unknown_id(id),
            },
            Frame::Resize { id, size } => match self.jobs.get(&id) {
                Some(job) => {
                    // A resize for a pipe exec, or after the terminal is gone, changes nothing.
                    if let Some(master) = &job.pty {
                        let _ = sys::set_winsize(master.as_raw_fd(), size.rows, size.cols);
                    }
                }
                None => self.unknown_id(id),
            },
            Frame::Kill { id, signal } => {
                if self.jobs.contains_key(&id) {
                    self.kill_tree(id, i32::from(signal));
                } else {
                    self.unknown_id(id);
                }
            }
            Frame::Shutdown => {
                let ids: Vec<u32> = self.jobs.keys().copied().collect();
                for id in ids {
                    self.kill_tree(id, libc::SIGKILL);
                }
                sys::sync_and_power_off();
            }
            Frame::Error { .. } => {} // The host's complaint about something we sent; nothing to do.
            other => self.send(&Frame::Error {
                id: other.id(),
                code: error_code::MALFORMED,
                errno: libc::EINVAL,
                message: format!("frame type {} is not sent to the guest", other.kind()).into_bytes(),
            }),
        }
    }

    fn unknown_id(&mut self, id: u32) {
        self.send(&Frame::Error {
            id,
            code: error_code::UNKNOWN_ID,
            errno: libc::ESRCH,
            message: format!("no running exec with id {id}").into_bytes(),
        });
    }

    fn spawn(
        &mut self,
        id: u32,
        stdin: bool,
        timeout_ms: u32,
        cwd: &[u8],
        argv: &[Vec<u8>],
        env: &[Vec<u8>],
        pty: Option<WinSize>,
    ) -> io::Result<Job> {
        let mut cmd = Command::new(OsStr::from_bytes(&argv[0]));
        cmd.args(argv[1..].iter().map(|a| OsStr::from_bytes(a)));
        cmd.env_clear();
        let mut has_path = false;
        for kv in env {
            let Some(eq) = kv.iter().position(|&b| b == b'=') else { continue };
            has_path |= &kv[..eq] == b"PATH";
            cmd.env(OsStr::from_bytes(&kv[..eq]), OsStr::from_bytes(&kv[eq + 1..]));
        }
        if !has_path {
            cmd.env("PATH", DEFAULT_PATH);
        }
        cmd.current_dir(if cwd.is_empty() { OsStr::new("/") } else { OsStr::from_bytes(cwd) });
        // A terminal exec gets the slave as 0/1/2 and becomes a session leader (its own process
        // group too, so kill_tree's `-pid` still reaches it); `setsid` fails in a process that
        // already leads a group, so no `process_group(0)` then.
        let (master, out_fd, in_fd) = match pty {
            Some(size) => {
                let (master, slave) = sys::open_pty(size.rows, size.cols)?;
                let (out_fd, in_fd) = (sys::dup(master.as_raw_fd())?, sys::dup(master.as_raw_fd())?);
                cmd.stdin(Stdio::from(slave.try_clone()?))
                    .stdout(Stdio::from(slave.try_clone()?))
                    .stderr(Stdio::from(slave));
                (Some(master), Some(out_fd), Some(in_fd))
            }
            None => {
                cmd.stdin(if stdin { Stdio::piped() } else { Stdio::null() })
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped());
                cmd.process_group(0);
                (None, None, None)
            }
        };
        let is_pty = master.is_some();

        let cgroup = self.make_cgroup(id);
        let procs = match &cgroup {
            Some(cg) => OpenOptions::new().write(true).open(format!("{cg}/cgroup.procs")).ok(),
            None => None,
        };
        let procs_fd = procs.as_ref().map(|f| f.as_raw_fd());
        unsafe {
            cmd.pre_exec(move || {
                sys::unblock_all_signals()?;
                if is_pty {
                    sys::become_session_leader_on_stdin()?;
                }
                if let Some(fd) = procs_fd {
                    // "0" moves the writing process: the child joins before it can fork.
                    let _ = sys::write(fd, b"0");
                }
                Ok(())
            });
        }
        let mut child = match cmd.spawn() {
            Ok(child) => child,
            Err(e) => {
                if let Some(cg) = cgroup {
                    let _ = fs::remove_dir(cg);
                }
                return Err(e);
            }
        };
        drop(procs);
        let take = |fd: Option<RawFd>| -> Option<OwnedFd> {
            fd.map(|fd| {
                let _ = sys::set_nonblocking(fd);
                unsafe { OwnedFd::from_raw_fd(fd) }
            })
        };
        // `Command` holds init's copies of the pty slave until dropped; while any is open the
        // master never reports EIO, the end of a terminal exec's output.
        drop(cmd);
        let job = Job {
            pid: child.id() as i32,
            stdout: out_fd.or_else(|| take(child.stdout.take().map(IntoRawFd::into_raw_fd))),
            stderr: take(child.stderr.take().map(IntoRawFd::into_raw_fd)),
            stdin: in_fd.or_else(|| take(child.stdin.take().map(IntoRawFd::into_raw_fd))),
            stdin_buf: Vec::new(),
            stdin_closing: false,
            status: None,
            deadline: (timeout_ms > 0).then(|| Instant::now() + Duration::from_millis(u64::from(timeout_ms))),
            drain_deadline: None,
            timed_out: false,
            cgroup,
            pty: master,
        };
        // The child is reaped through SIGCHLD + waitpid(-1), never through `Child`.
        drop(child);
        Ok(job)
    }

    fn make_cgroup(&mut self, id: u32) -> Option<String> {
        if !self.cgroups {
            return None;
        }
        self.cgroup_seq += 1;
        let path = format!("{CGROUP_ROOT}/exec-{}-{id}", self.cgroup_seq);
        fs::create_dir(&path).ok().map(|_| path)
    }

    fn on_sigchld(&mut self) {
        let mut buf = [0u8; 128 * 8];
        while matches!(sys::read(self.sigchld.as_raw_fd(), &mut buf), Ok(n) if n > 0) {}
        // PID 1 adopts every orphan: reap them all, and note the ones that are an exec's main process.
        while let Some(reaped) = sys::reap_any() {
            let (pid, status) = match reaped {
                sys::Reaped::Exited(pid, code) => (pid, (code, 0u8)),
                sys::Reaped::Signaled(pid, sig) => (pid, (-1, sig as u8)),
            };
            let Some((&id, _)) = self.jobs.iter().find(|(_, j)| j.pid == pid && j.status.is_none()) else { continue };
            if let Some(job) = self.jobs.get_mut(&id) {
                job.status = Some(status);
                job.drain_deadline = Some(Instant::now() + DRAIN_LIMIT);
                job.stdin = None;
            }
            // An exec is a job: when its main process ends, whatever it left behind ends too.
            self.kill_tree(id, libc::SIGKILL);
        }
    }

    fn on_output(&mut self, id: u32, is_err: bool) {
        let Some(job) = self.jobs.get_mut(&id) else { return };
        let slot = if is_err { &mut job.stderr } else { &mut job.stdout };
        let Some(fd) = slot else { return };
        let mut buf = vec![0u8; CHUNK];
        match sys::read(fd.as_raw_fd(), &mut buf) {
            Ok(0) => *slot = None,
            Ok(n) => {
                buf.truncate(n);
                let frame = if is_err { Frame::Stderr { id, data: buf } } else { Frame::Stdout { id, data: buf } };
                self.send(&frame);
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock || e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => *slot = None,
        }
    }

    fn flush_stdin(&mut self, id: u32) {
        let Some(job) = self.jobs.get_mut(&id) else { return };
        if let Some(fd) = &job.stdin {
            while !job.stdin_buf.is_empty() {
                match sys::write(fd.as_raw_fd(), &job.stdin_buf) {
                    Ok(n) => {
                        job.stdin_buf.drain(..n);
                    }
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(_) => {
                        // EPIPE: the command closed its stdin; the rest is dropped, as with a pipe.
                        job.stdin_buf.clear();
                        job.stdin = None;
                        return;
                    }
                }
            }
        }
        if job.stdin_closing && job.stdin_buf.is_empty() {
            job.stdin = None;
        }
    }

    fn finish_jobs(&mut self) {
        let done: Vec<u32> = self
            .jobs
            .iter()
            .filter(|(_, j)| j.status.is_some() && j.stdout.is_none() && j.stderr.is_none())
            .map(|(&id, _)| id)
            .collect();
        for id in done {
            let Some(job) = self.jobs.remove(&id) else { continue };
            let (code, signal) = job.status.unwrap_or((-1, 0));
            self.send(&Frame::Exit { id, code, signal, timed_out: job.timed_out });
            if let Some(cg) = job.cgroup {
                self.stale_cgroups.push(cg);
            }
        }
        // Empty cgroups can be removed only once their last process is gone.
        self.stale_cgroups.retain(|cg| fs::remove_dir(cg).is_err() && fs::metadata(cg).is_ok());
    }

    fn send(&mut self, frame: &Frame) {
        if !self.connected {
            return;
        }
        let bytes = frame.encode();
        if let Err(e) = (&self.ctl).write_all(&bytes) {
            eprintln!("airlock-init: control write failed: {e}");
            self.on_disconnect();
        }
    }
}
