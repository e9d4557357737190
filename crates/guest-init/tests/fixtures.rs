//! The shared wire fixtures: `frames.bin` must decode to exactly the frames described in
//! `frames.json` (the TypeScript host checks the same file), and `malformed.txt` lists bytes both
//! decoders must reject without losing the stream.

use guest_init::frame::{Frame, FrameReader, WinSize, VERSION};
use std::path::PathBuf;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

/// The same frames, in the same order, as frames.json.
fn expected() -> Vec<Frame> {
    vec![
        Frame::Hello { version: 1, agent: b"airlock-guest-init/0.1.0".to_vec(), unix_ms: 1_763_769_600_123 },
        Frame::Exec {
            id: 1,
            stdin: true,
            timeout_ms: 2500,
            cwd: b"/work".to_vec(),
            argv: vec![b"sh".to_vec(), b"-c".to_vec(), "echo héllo".as_bytes().to_vec()],
            env: vec![b"PATH=/bin".to_vec(), b"EMPTY=".to_vec()],
            pty: None,
        },
        Frame::Stdin { id: 1, data: vec![0x00, 0xff, 0x0a] },
        Frame::StdinClose { id: 1 },
        Frame::Stdout { id: 1, data: "héllo\n".as_bytes().to_vec() },
        Frame::Stderr { id: 1, data: vec![] },
        Frame::Exit { id: 1, code: -1, signal: 9, timed_out: true },
        Frame::Exit { id: 2, code: 255, signal: 0, timed_out: false },
        Frame::Kill { id: 2, signal: 15 },
        Frame::Shutdown,
        Frame::Error { id: 3, code: 4, errno: 2, message: b"No such file or directory".to_vec() },
        Frame::Exec {
            id: u32::MAX,
            stdin: false,
            timeout_ms: 0,
            cwd: vec![],
            argv: vec![b"true".to_vec()],
            env: vec![],
            pty: None,
        },
        Frame::Exec {
            id: 5,
            stdin: true,
            timeout_ms: 0,
            cwd: b"/".to_vec(),
            argv: vec![b"sh".to_vec()],
            env: vec![b"TERM=xterm".to_vec()],
            pty: Some(WinSize { rows: 24, cols: 80 }),
        },
        Frame::Resize { id: 5, size: WinSize { rows: 50, cols: 132 } },
    ]
}

fn type_name(f: &Frame) -> &'static str {
    match f {
        Frame::Hello { .. } => "hello",
        Frame::Exec { .. } => "exec",
        Frame::Stdin { .. } => "stdin",
        Frame::StdinClose { .. } => "stdinClose",
        Frame::Stdout { .. } => "stdout",
        Frame::Stderr { .. } => "stderr",
        Frame::Exit { .. } => "exit",
        Frame::Kill { .. } => "kill",
        Frame::Shutdown => "shutdown",
        Frame::Error { .. } => "error",
        Frame::Resize { .. } => "resize",
    }
}

#[test]
fn frames_bin_decodes_to_the_described_frames() {
    let frames = expected();
    let encoded: Vec<u8> = frames.iter().flat_map(Frame::encode).collect();
    if std::env::var_os("UPDATE_FIXTURES").is_some() {
        std::fs::write(fixture("frames.bin"), &encoded).unwrap();
    }
    let bytes = std::fs::read(fixture("frames.bin")).expect("frames.bin (UPDATE_FIXTURES=1 writes it)");
    assert_eq!(bytes, encoded, "encoding changed: update frames.bin, frames.json and the TypeScript side together");

    let mut reader = FrameReader::new();
    reader.push(&bytes);
    let decoded: Vec<Frame> = std::iter::from_fn(|| reader.next_frame()).map(Result::unwrap).collect();
    assert_eq!(decoded, frames);
    assert_eq!(VERSION, 1);
}

#[test]
fn frames_json_lists_the_same_types_in_order() {
    // No JSON crate in the guest: compare the sequence of "type" values, which pins order and count.
    let json = std::fs::read_to_string(fixture("frames.json")).unwrap();
    let types: Vec<&str> = json.split("\"type\": \"").skip(1).map(|s| &s[..s.find('"').unwrap()]).collect();
    let want: Vec<&str> = expected().iter().map(type_name).collect();
    assert_eq!(types, want);
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}

#[test]
fn malformed_vectors_are_rejected_and_the_stream_survives() {
    let text = std::fs::read_to_string(fixture("malformed.txt")).unwrap();
    let mut count = 0;
    for line in text.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()) {
        let parts: Vec<&str> = line.split_whitespace().collect();
        let (bytes, code, id) = (hex(parts[0]), parts[1].parse::<u16>().unwrap(), parts[2].parse::<u32>().unwrap());
        let mut reader = FrameReader::new();
        reader.push(&bytes);
        let err = reader.next_frame().expect("an error, not a wait").expect_err(line);
        assert_eq!((err.code, err.id), (code, id), "{line}: {}", err.message);
        if code != guest_init::frame::error_code::TOO_LARGE {
            reader.push(&Frame::Shutdown.encode());
            assert_eq!(reader.next_frame(), Some(Ok(Frame::Shutdown)), "{line}");
        }
        count += 1;
    }
    assert!(count >= 10, "malformed.txt lost its vectors");
}
