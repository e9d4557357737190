//! The control protocol's frames and their codec: the one place the guest defines the wire format.
//! The host mirrors it in `packages/microvm/src/control/frames.ts`; both decode
//! `tests/fixtures/frames.bin` identically.
//!
//! Every frame: `len: u32 LE` (bytes after this field), `type: u8`, `id: u32 LE`, then the payload.
//! Integers are little-endian; a `str` is `u32 length + bytes` (not necessarily UTF-8); a `list` is
//! `u32 count + str…`. A payload with bytes left over after its fields is malformed.
//!
//! Additions stay compatible with version 1: `exec`'s flag bit 1 announces a trailing
//! `rows: u16, cols: u16` (a pseudo-terminal), so frames without it decode as before; `resize`
//! is a new type that an old guest answers with `UNKNOWN_TYPE`.

/// Protocol version carried by `Hello`; bumped on any incompatible change of the format.
pub const VERSION: u32 = 1;
/// `len` + `type` + `id`.
pub const HEADER_LEN: usize = 9;
/// Largest payload either side sends or accepts; output is chunked well below it.
pub const MAX_PAYLOAD: usize = 1 << 20;

pub mod kind {
    pub const HELLO: u8 = 1;
    pub const EXEC: u8 = 2;
    pub const STDIN: u8 = 3;
    pub const STDIN_CLOSE: u8 = 4;
    pub const STDOUT: u8 = 5;
    pub const STDERR: u8 = 6;
    pub const EXIT: u8 = 7;
    pub const KILL: u8 = 8;
    pub const SHUTDOWN: u8 = 9;
    pub const ERROR: u8 = 10;
    pub const RESIZE: u8 = 11;
}

/// `exec` flag bits; any other bit is malformed.
pub mod exec_flag {
    pub const STDIN: u8 = 1;
    pub const PTY: u8 = 2;
}

/// A terminal size in character cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WinSize {
    pub rows: u16,
    pub cols: u16,
}

/// Codes carried by `Frame::Error`.
pub mod error_code {
    pub const MALFORMED: u16 = 1;
    pub const UNKNOWN_TYPE: u16 = 2;
    pub const TOO_LARGE: u16 = 3;
    pub const SPAWN_FAILED: u16 = 4;
    pub const UNKNOWN_ID: u16 = 5;
    pub const DUPLICATE_ID: u16 = 6;
    pub const UNSUPPORTED_VERSION: u16 = 7;
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    /// Host → guest on connect (also after a snapshot restore); the guest answers with its own.
    /// `unix_ms` is the sender's wall clock (ms since 1970, 0 = unknown): the guest sets its
    /// clock from the host's, which a restored snapshot would otherwise have stale. `id` is 0.
    Hello {
        version: u32,
        agent: Vec<u8>,
        unix_ms: u64,
    },
    /// Host → guest: run `argv` with exactly `env` in `cwd`. `stdin` false means /dev/null;
    /// `timeout_ms` 0 means no limit. With `pty`, the command runs as a session leader on a new
    /// pseudo-terminal of that size: its output (stdout and stderr merged, as a terminal shows
    /// them) arrives as `Stdout`, `Stdin` frames are typed into it, whatever `stdin` says.
    Exec {
        id: u32,
        stdin: bool,
        timeout_ms: u32,
        cwd: Vec<u8>,
        argv: Vec<Vec<u8>>,
        env: Vec<Vec<u8>>,
        pty: Option<WinSize>,
    },
    Stdin {
        id: u32,
        data: Vec<u8>,
    },
    StdinClose {
        id: u32,
    },
    Stdout {
        id: u32,
        data: Vec<u8>,
    },
    Stderr {
        id: u32,
        data: Vec<u8>,
    },
    /// Guest → host, last frame of an exec. `signal` is 0 when the process exited with `code`.
    Exit {
        id: u32,
        code: i32,
        signal: u8,
        timed_out: bool,
    },
    /// Host → guest: signal the exec's whole process tree (`signal` 9 also empties its cgroup).
    Kill {
        id: u32,
        signal: u8,
    },
    Shutdown,
    /// Host → guest: a pty exec's terminal changed size (the guest sends it SIGWINCH).
    Resize {
        id: u32,
        size: WinSize,
    },
    /// Either way. `id` is the exec it concerns, or 0.
    Error {
        id: u32,
        code: u16,
        errno: i32,
        message: Vec<u8>,
    },
}

impl Frame {
    pub fn kind(&self) -> u8 {
        match self {
            Frame::Hello { .. } => kind::HELLO,
            Frame::Exec { .. } => kind::EXEC,
            Frame::Stdin { .. } => kind::STDIN,
            Frame::StdinClose { .. } => kind::STDIN_CLOSE,
            Frame::Stdout { .. } => kind::STDOUT,
            Frame::Stderr { .. } => kind::STDERR,
            Frame::Exit { .. } => kind::EXIT,
            Frame::Kill { .. } => kind::KILL,
            Frame::Shutdown => kind::SHUTDOWN,
            Frame::Error { .. } => kind::ERROR,
            Frame::Resize { .. } => kind::RESIZE,
        }
    }

    pub fn id(&self) -> u32 {
        match self {
            Frame::Hello { .. } | Frame::Shutdown => 0,
            Frame::Exec { id, .. }
            | Frame::Stdin { id, .. }
            | Frame::StdinClose { id }
            | Frame::Stdout { id, .. }
            | Frame::Stderr { id, .. }
            | Frame::Exit { id, .. }
            | Frame::Kill { id, .. }
            | Frame::Error { id, .. }
            | Frame::Resize { id, .. } => *id,
        }
    }

    /// Appends the encoded frame to `out`. Panics only if a payload exceeds `MAX_PAYLOAD`,
    /// which callers prevent by chunking.
    pub fn encode_into(&self, out: &mut Vec<u8>) {
        let start = out.len();
        out.extend_from_slice(&[0; 4]);
        out.push(self.kind());
        out.extend_from_slice(&self.id().to_le_bytes());
        match self {
            Frame::Hello { version, agent, unix_ms } => {
                out.extend_from_slice(&version.to_le_bytes());
                put_str(out, agent);
                out.extend_from_slice(&unix_ms.to_le_bytes());
            }
            Frame::Exec { stdin, timeout_ms, cwd, argv, env, pty, .. } => {
                let pty_bit = if pty.is_some() { exec_flag::PTY } else { 0 };
                out.push(u8::from(*stdin) | pty_bit);
                out.extend_from_slice(&timeout_ms.to_le_bytes());
                put_str(out, cwd);
                put_list(out, argv);
                put_list(out, env);
                if let Some(size) = pty {
                    put_size(out, *size);
                }
            }
            Frame::Resize { size, .. } => put_size(out, *size),
            Frame::Stdin { data, .. } | Frame::Stdout { data, .. } | Frame::Stderr { data, .. } => {
                out.extend_from_slice(data)
            }
            Frame::StdinClose { .. } | Frame::Shutdown => {}
            Frame::Exit { code, signal, timed_out, .. } => {
                out.extend_from_slice(&code.to_le_bytes());
                out.push(*signal);
                out.push(u8::from(*timed_out));
            }
            Frame::Kill { signal, .. } => out.push(*signal),
            Frame::Error { code, errno, message, .. } => {
                out.extend_from_slice(&code.to_le_bytes());
                out.extend_from_slice(&errno.to_le_bytes());
                put_str(out, message);
            }
        }
        let len = out.len() - start - 4;
        assert!(len - 5 <= MAX_PAYLOAD, "frame payload over MAX_PAYLOAD");
        out[start..start + 4].copy_from_slice(&(len as u32).to_le_bytes());
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.encode_into(&mut out);
        out
    }
}

fn put_str(out: &mut Vec<u8>, s: &[u8]) {
    out.extend_from_slice(&(s.len() as u32).to_le_bytes());
    out.extend_from_slice(s);
}

fn put_size(out: &mut Vec<u8>, size: WinSize) {
    out.extend_from_slice(&size.rows.to_le_bytes());
    out.extend_from_slice(&size.cols.to_le_bytes());
}

fn put_list(out: &mut Vec<u8>, items: &[Vec<u8>]) {
    out.extend_from_slice(&(items.len() as u32).to_le_bytes());
    for item in items {
        put_str(out, item);
    }
}

/// Why a frame could not be decoded. The stream stays usable: the bad frame was skipped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    pub code: u16,
    /// The frame's id when the header was readable, so the error can name the exec.
    pub id: u32,
    pub message: String,
}

/// Decodes one frame's type + payload (the bytes after `len`).
pub fn decode_body(kind_byte: u8, id: u32, payload: &[u8]) -> Result<Frame, DecodeError> {
    let mut r = Reader { buf: payload, pos: 0 };
    let bad = |message: &str| DecodeError { code: error_code::MALFORMED, id, message: message.into() };
    let frame = match kind_byte {
        kind::HELLO => Frame::Hello {
            version: r.u32().ok_or_else(|| bad("hello: short version"))?,
            agent: r.str().ok_or_else(|| bad("hello: bad agent"))?,
            unix_ms: r.u64().ok_or_else(|| bad("hello: short clock"))?,
        },
        kind::EXEC => {
            let flags = r.u8().ok_or_else(|| bad("exec: short flags"))?;
            if flags & !(exec_flag::STDIN | exec_flag::PTY) != 0 {
                return Err(bad("exec: unknown flags"));
            }
            let timeout_ms = r.u32().ok_or_else(|| bad("exec: short timeout"))?;
            let cwd = r.str().ok_or_else(|| bad("exec: bad cwd"))?;
            let argv = r.list().ok_or_else(|| bad("exec: bad argv"))?;
            let env = r.list().ok_or_else(|| bad("exec: bad env"))?;
            let pty = if flags & exec_flag::PTY != 0 {
                Some(r.size().ok_or_else(|| bad("exec: short pty size"))?)
            } else {
                None
            };
            if argv.is_empty() {
                return Err(bad("exec: empty argv"));
            }
            Frame::Exec { id, stdin: flags & exec_flag::STDIN != 0, timeout_ms, cwd, argv, env, pty }
        }
        kind::RESIZE => Frame::Resize { id, size: r.size().ok_or_else(|| bad("resize: short size"))? },
        kind::STDIN => Frame::Stdin { id, data: r.rest() },
        kind::STDOUT => Frame::Stdout { id, data: r.rest() },
        kind::STDERR => Frame::Stderr { id, data: r.rest() },
        kind::STDIN_CLOSE => Frame::StdinClose { id },
        kind::SHUTDOWN => Frame::Shutdown,
        kind::EXIT => {
            let code = r.i32().ok_or_else(|| bad("exit: short code"))?;
            let signal = r.u8().ok_or_else(|| bad("exit: short signal"))?;
            let timed_out = r.u8().ok_or_else(|| bad("exit: short flags"))?;
            if timed_out > 1 {
                return Err(bad("exit: unknown flags"));
            }
            Frame::Exit { id, code, signal, timed_out: timed_out == 1 }
        }
        kind::KILL => Frame::Kill { id, signal: r.u8().ok_or_else(|| bad("kill: short signal"))? },
        kind::ERROR => {
            let code = r.u16().ok_or_else(|| bad("error: short code"))?;
            let errno = r.i32().ok_or_else(|| bad("error: short errno"))?;
            let message = r.str().ok_or_else(|| bad("error: bad message"))?;
            Frame::Error { id, code, errno, message }
        }
        other => {
            return Err(DecodeError {
                code: error_code::UNKNOWN_TYPE,
                id,
                message: format!("unknown frame type {other}"),
            })
        }
    };
    if r.pos != payload.len() {
        return Err(bad("trailing bytes after payload"));
    }
    Ok(frame)
}

struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Option<&[u8]> {
        let end = self.pos.checked_add(n)?;
        let s = self.buf.get(self.pos..end)?;
        self.pos = end;
        Some(s)
    }
    fn u8(&mut self) -> Option<u8> {
        self.take(1).map(|b| b[0])
    }
    fn u16(&mut self) -> Option<u16> {
        self.take(2).map(|b| u16::from_le_bytes([b[0], b[1]]))
    }
    fn u32(&mut self) -> Option<u32> {
        self.take(4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn u64(&mut self) -> Option<u64> {
        self.take(8).map(|b| u64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]))
    }
    fn i32(&mut self) -> Option<i32> {
        self.u32().map(|v| v as i32)
    }
    fn size(&mut self) -> Option<WinSize> {
        Some(WinSize { rows: self.u16()?, cols: self.u16()? })
    }
    fn str(&mut self) -> Option<Vec<u8>> {
        let n = self.u32()? as usize;
        self.take(n).map(<[u8]>::to_vec)
    }
    fn list(&mut self) -> Option<Vec<Vec<u8>>> {
        let n = self.u32()? as usize;
        // Each item needs at least its 4-byte length: refuse counts the payload cannot hold
        // instead of reserving memory for them.
        if n > (self.buf.len() - self.pos) / 4 {
            return None;
        }
        (0..n).map(|_| self.str()).collect()
    }
    fn rest(&mut self) -> Vec<u8> {
        let s = self.buf[self.pos..].to_vec();
        self.pos = self.buf.len();
        s
    }
}

/// Streaming decoder: feed it whatever the channel delivered, take frames out.
/// A frame announced larger than `MAX_PAYLOAD` is reported once and its bytes are skipped,
/// so one bad frame never desynchronises or kills the reader.
#[derive(Default)]
pub struct FrameReader {
    buf: Vec<u8>,
    skip: usize,
}

impl FrameReader {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&mut self, mut data: &[u8]) {
        if self.skip > 0 {
            let n = self.skip.min(data.len());
            self.skip -= n;
            data = &data[n..];
        }
        self.buf.extend_from_slice(data);
    }

    /// Bytes held that do not yet form a whole frame.
    pub fn pending(&self) -> usize {
        self.buf.len()
    }

    pub fn next_frame(&mut self) -> Option<Result<Frame, DecodeError>> {
        if self.buf.len() < 4 {
            return None;
        }
        let len = u32::from_le_bytes([self.buf[0], self.buf[1], self.buf[2], self.buf[3]]) as usize;
        if len < HEADER_LEN - 4 {
            self.buf.drain(..4.min(self.buf.len()));
            let consumed = len.min(self.buf.len());
            self.buf.drain(..consumed);
            self.skip = len - consumed;
            return Some(Err(DecodeError {
                code: error_code::MALFORMED,
                id: 0,
                message: format!("frame length {len} is shorter than a header"),
            }));
        }
        if len - 5 > MAX_PAYLOAD {
            let id = if self.buf.len() >= HEADER_LEN {
                u32::from_le_bytes([self.buf[5], self.buf[6], self.buf[7], self.buf[8]])
            } else {
                0
            };
            let have = self.buf.len() - 4;
            let consumed = len.min(have);
            self.buf.drain(..4 + consumed);
            self.skip = len - consumed;
            return Some(Err(DecodeError {
                code: error_code::TOO_LARGE,
                id,
                message: format!("frame of {len} bytes is over the {MAX_PAYLOAD}-byte payload limit"),
            }));
        }
        if self.buf.len() < 4 + len {
            return None;
        }
        let kind_byte = self.buf[4];
        let id = u32::from_le_bytes([self.buf[5], self.buf[6], self.buf[7], self.buf[8]]);
        let result = decode_body(kind_byte, id, &self.buf[HEADER_LEN..4 + len]);
        self.buf.drain(..4 + len);
        Some(result)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn samples() -> Vec<Frame> {
        vec![
            Frame::Hello { version: VERSION, agent: b"t".to_vec(), unix_ms: u64::MAX },
            Frame::Exec {
                id: 7,
                stdin: true,
                timeout_ms: 1500,
                cwd: b"/".to_vec(),
                argv: vec![b"sh".to_vec(), b"-c".to_vec(), vec![]],
                env: vec![b"A=1".to_vec()],
                pty: None,
            },
            Frame::Exec {
                id: 8,
                stdin: false,
                timeout_ms: 0,
                cwd: vec![],
                argv: vec![b"sh".to_vec()],
                env: vec![],
                pty: Some(WinSize { rows: 24, cols: 65535 }),
            },
            Frame::Resize { id: 8, size: WinSize { rows: 0, cols: 132 } },
            Frame::Stdin { id: 7, data: vec![0, 255, 10] },
            Frame::StdinClose { id: 7 },
            Frame::Stdout { id: 7, data: vec![] },
            Frame::Stderr { id: 7, data: b"x".to_vec() },
            Frame::Exit { id: 7, code: -1, signal: 9, timed_out: true },
            Frame::Kill { id: 7, signal: 15 },
            Frame::Shutdown,
            Frame::Error { id: 0, code: error_code::MALFORMED, errno: 22, message: b"bad".to_vec() },
        ]
    }

    fn decode_all(bytes: &[u8]) -> Vec<Result<Frame, DecodeError>> {
        let mut r = FrameReader::new();
        r.push(bytes);
        std::iter::from_fn(|| r.next_frame()).collect()
    }

    #[test]
    fn truncated_frame_waits_for_more() {
        let bytes = samples()[1].encode();
        for cut in 0..bytes.len() {
            let mut r = FrameReader::new();
            r.push(&bytes[..cut]);
            assert!(r.next_frame().is_none(), "cut at {cut}");
            r.push(&bytes[cut..]);
            assert_eq!(r.next_frame(), Some(Ok(samples()[1].clone())));
        }
    }

    #[test]
    fn unknown_type_is_reported_and_skipped() {
        let mut bytes = vec![7, 0, 0, 0, 200, 3, 0, 0, 0, 1, 2];
        bytes.extend(Frame::Shutdown.encode());
        let got = decode_all(&bytes);
        assert_eq!(got.len(), 2);
        let err = got[0].clone().unwrap_err();
        assert_eq!((err.code, err.id), (error_code::UNKNOWN_TYPE, 3));
        assert_eq!(got[1], Ok(Frame::Shutdown));
    }

    #[test]
    fn trailing_bytes_are_malformed() {
        let mut bytes = Frame::Kill { id: 1, signal: 9 }.encode();
        bytes[0] += 1;
        bytes.push(0);
        let got = decode_all(&bytes);
        assert_eq!(got[0].clone().unwrap_err().code, error_code::MALFORMED);
    }

    #[test]
    fn short_header_length_is_malformed_not_a_panic() {
        let mut bytes = vec![2, 0, 0, 0, 9, 9];
        bytes.extend(Frame::Shutdown.encode());
        let got = decode_all(&bytes);
        assert_eq!(got[0].clone().unwrap_err().code, error_code::MALFORMED);
        assert_eq!(got[1], Ok(Frame::Shutdown));
    }

    #[test]
    fn oversized_frame_is_skipped_across_pushes() {
        let len = (MAX_PAYLOAD + 6) as u32;
        let mut r = FrameReader::new();
        let mut head = len.to_le_bytes().to_vec();
        head.extend([kind::STDIN, 4, 0, 0, 0]);
        r.push(&head);
        let err = r.next_frame().unwrap().unwrap_err();
        assert_eq!((err.code, err.id), (error_code::TOO_LARGE, 4));
        r.push(&vec![0u8; MAX_PAYLOAD]);
        assert!(r.next_frame().is_none());
        let mut tail = vec![0u8; 1];
        tail.extend(Frame::Shutdown.encode());
        r.push(&tail);
        assert_eq!(r.next_frame(), Some(Ok(Frame::Shutdown)));
    }

    #[test]
    fn exec_with_empty_argv_or_huge_count_is_malformed() {
        let mut f = Frame::Exec {
            id: 1,
            stdin: false,
            timeout_ms: 0,
            cwd: vec![],
            argv: vec![b"x".to_vec()],
            env: vec![],
            pty: None,
        }
        .encode();
        // argv count lives after len(4)+type(1)+id(4)+flags(1)+timeout(4)+cwd(4)
        let at = 18;
        f[at..at + 4].copy_from_slice(&u32::MAX.to_le_bytes());
        assert_eq!(decode_all(&f)[0].clone().unwrap_err().code, error_code::MALFORMED);
        let empty =
            Frame::Exec { id: 1, stdin: false, timeout_ms: 0, cwd: vec![], argv: vec![], env: vec![], pty: None }
                .encode();
        assert_eq!(decode_all(&empty)[0].clone().unwrap_err().message, "exec: empty argv");
    }

    #[test]
    fn exec_without_pty_keeps_the_version_1_bytes() {
        let f = Frame::Exec {
            id: 1,
            stdin: true,
            timeout_ms: 0,
            cwd: vec![],
            argv: vec![b"x".to_vec()],
            env: vec![],
            pty: None,
        };
        let bytes = f.encode();
        assert_eq!(bytes[9], 1, "flags: stdin only");
        assert_eq!(bytes.len(), 4 + 5 + 1 + 4 + 4 + 4 + 5 + 4);
    }

    #[test]
    fn exec_pty_fields_are_laid_out_after_env() {
        let f = Frame::Exec {
            id: 2,
            stdin: true,
            timeout_ms: 0,
            cwd: vec![],
            argv: vec![b"x".to_vec()],
            env: vec![],
            pty: Some(WinSize { rows: 0x0102, cols: 0x0304 }),
        };
        let bytes = f.encode();
        assert_eq!(bytes[9], exec_flag::STDIN | exec_flag::PTY);
        assert_eq!(&bytes[bytes.len() - 4..], &[0x02, 0x01, 0x04, 0x03]);
        assert_eq!(decode_all(&bytes), vec![Ok(f)]);
    }

    #[test]
    fn exec_pty_flag_without_size_or_unknown_bits_is_malformed() {
        let mut f = Frame::Exec {
            id: 3,
            stdin: false,
            timeout_ms: 0,
            cwd: vec![],
            argv: vec![b"x".to_vec()],
            env: vec![],
            pty: None,
        }
        .encode();
        f[9] = exec_flag::PTY;
        let err = decode_all(&f)[0].clone().unwrap_err();
        assert_eq!((err.code, err.id, err.message.as_str()), (error_code::MALFORMED, 3, "exec: short pty size"));
        f[9] = 4;
        assert_eq!(decode_all(&f)[0].clone().unwrap_err().message, "exec: unknown flags");
    }

    #[test]
    fn resize_needs_exactly_rows_and_cols() {
        let mut short = Frame::Resize { id: 4, size: WinSize { rows: 1, cols: 2 } }.encode();
        short.truncate(short.len() - 1);
        short[0] -= 1;
        let err = decode_all(&short)[0].clone().unwrap_err();
        assert_eq!((err.code, err.id), (error_code::MALFORMED, 4));
        let mut long = Frame::Resize { id: 4, size: WinSize { rows: 1, cols: 2 } }.encode();
        long.push(0);
        long[0] += 1;
        assert_eq!(decode_all(&long)[0].clone().unwrap_err().message, "trailing bytes after payload");
    }

    #[test]
    fn every_sample_round_trips_even_byte_by_byte() {
        let mut bytes = Vec::new();
        for f in samples() {
            f.encode_into(&mut bytes);
        }
        let mut r = FrameReader::new();
        let mut got = Vec::new();
        for b in &bytes {
            r.push(std::slice::from_ref(b));
            while let Some(f) = r.next_frame() {
                got.push(f.unwrap());
            }
        }
        assert_eq!(got, samples());
        assert_eq!(r.pending(), 0);
    }

    #[test]
    fn pseudo_random_garbage_never_panics() {
        // xorshift: deterministic, no crate needed.
        let mut s: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..2000 {
            let mut r = FrameReader::new();
            let n = (s % 64) as usize;
            let mut bytes = Vec::with_capacity(n);
            for _ in 0..n {
                s ^= s << 13;
                s ^= s >> 7;
                s ^= s << 17;
                bytes.push(if s % 3 == 0 { 0 } else { s as u8 });
            }
            r.push(&bytes);
            while r.next_frame().is_some() {}
        }
    }
}
