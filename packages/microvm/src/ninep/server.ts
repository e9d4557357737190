import { constants as osConstants } from "node:os";
import { createHash } from "node:crypto";
import {
  VfsError,
  type FileHandle,
  type FileSystem,
  type OpenFlags,
  type Stats,
} from "@airlock/vfs";
import {
  HEADER,
  NOFID,
  Op,
  QT_DIR,
  QT_FILE,
  QT_SYMLINK,
  Reader,
  ShortMessage,
  Writer,
  strSize,
  type Qid,
} from "./wire.js";

/** Largest message the server accepts or sends; the guest init asks for the same. */
export const MAX_MSIZE = 512 * 1024 + 24;

const E = osConstants.errno;
const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;
const DT_DIR = 4;
const DT_REG = 8;
const DT_LNK = 10;

// Linux open(2) flags as the 9P2000.L client sends them.
const O_ACCMODE = 3;
const O_WRONLY = 1;
const O_RDWR = 2;
const O_EXCL = 0o200;
const O_TRUNC = 0o1000;
const AT_REMOVEDIR = 0x200;

// Tsetattr `valid` bits.
const SETATTR_UID = 0x2;
const SETATTR_GID = 0x4;
const SETATTR_SIZE = 0x8;

/** A failure the guest sees as a Linux errno (`Rlerror`). */
class Errno extends Error {
  constructor(readonly errno: number) {
    super(`errno ${errno}`);
  }
}

function errnoOf(e: unknown): number {
  if (e instanceof Errno) return e.errno;
  if (e instanceof VfsError) return (E as Record<string, number | undefined>)[e.errno] ?? E.EIO;
  if (e instanceof ShortMessage) return E.EINVAL;
  // A host bug or an unexpected host failure: the guest learns nothing about it but EIO.
  return E.EIO;
}

interface Fid {
  path: string;
  handle?: FileHandle;
  /** Directory listing taken at the first Treaddir, with the offset it was taken for. */
  listing?: { name: string; qid: Qid; type: number }[];
  opened: boolean;
}

/** Statistics of one connection, for tests and benchmarks. */
export interface NinePStats {
  requests: number;
  errors: number;
  bytesRead: number;
  bytesWritten: number;
}

/**
 * One 9P2000.L session over a {@link FileSystem}. Every path it hands to the filesystem is an
 * absolute path inside it built from checked names (no `/`, NUL, `.` or `..` inside a name, `..`
 * clamped at the root): confinement — symbolic links, host paths, permissions — is the
 * filesystem's job, and this layer never widens what it allows.
 */
export class NinePSession {
  private msize = MAX_MSIZE;
  private readonly fids = new Map<number, Fid>();
  readonly stats: NinePStats = { requests: 0, errors: 0, bytesRead: 0, bytesWritten: 0 };

  constructor(private readonly fs: FileSystem) {}

  /** Negotiated message size (bytes, header included). */
  get maxMessage(): number {
    return this.msize;
  }

  /** Handles one complete message (header included) and returns the reply. Never throws. */
  handle(msg: Buffer): Buffer {
    const type = msg.readUInt8(4);
    const tag = msg.readUInt16LE(5);
    this.stats.requests++;
    try {
      return this.dispatch(type, tag, new Reader(msg.subarray(HEADER)));
    } catch (e) {
      this.stats.errors++;
      return new Writer(Op.Rlerror, tag).u32(errnoOf(e)).finish();
    }
  }

  /** Closes every open file. */
  close(): void {
    for (const fid of this.fids.values()) fid.handle?.close();
    this.fids.clear();
  }

  private dispatch(type: number, tag: number, r: Reader): Buffer {
    const reply = (w: (w: Writer) => Writer = (x) => x) => w(new Writer(type + 1, tag)).finish();
    switch (type) {
      case Op.Tversion: {
        const msize = r.u32();
        const version = r.strBytes().toString("latin1");
        this.close();
        this.msize = Math.max(4096, Math.min(msize, MAX_MSIZE));
        const v = version === "9P2000.L" ? "9P2000.L" : "unknown";
        return reply((w) => w.u32(this.msize).str(v));
      }
      case Op.Tauth:
        throw new Errno(E.EOPNOTSUPP);
      case Op.Tattach: {
        const fid = r.u32();
        this.newFid(fid, "/");
        return reply((w) => w.qid(this.qidOf("/", this.fs.lstat("/"))));
      }
      case Op.Tflush:
        // Requests are answered in order, synchronously: anything to flush is already answered.
        return reply();
      case Op.Twalk:
        return this.walk(r, tag);
      case Op.Tclunk: {
        const fid = r.u32();
        this.fid(fid).handle?.close();
        this.fids.delete(fid);
        return reply();
      }
      case Op.Tremove: {
        const fidNo = r.u32();
        const fid = this.fid(fidNo);
        fid.handle?.close();
        this.fids.delete(fidNo);
        const st = this.fs.lstat(fid.path);
        if (st.type === "dir") this.fs.rmdir(fid.path);
        else this.fs.unlink(fid.path);
        return reply();
      }
      case Op.Tstatfs:
        this.fid(r.u32());
        return reply((w) =>
          w
            .u32(0x01021997) // V9FS_MAGIC
            .u32(4096)
            .u64(1 << 24)
            .u64(1 << 23)
            .u64(1 << 23)
            .u64(1 << 20)
            .u64(1 << 19)
            .u64(0)
            .u32(255),
        );
      case Op.Tgetattr: {
        const fid = this.fid(r.u32());
        const st = fid.handle ? fid.handle.stat() : this.fs.lstat(fid.path);
        return reply((w) => this.attr(w, fid.path, st));
      }
      case Op.Tsetattr:
        return this.setattr(r, reply);
      case Op.Tlopen: {
        const fid = this.fid(r.u32());
        const flags = r.u32();
        if (fid.opened) throw new Errno(E.EBADF);
        const st = this.fs.lstat(fid.path);
        if (st.type === "file") {
          fid.handle = this.fs.open(fid.path, openFlags(flags, false));
        } else if (st.type === "dir") {
          if ((flags & O_ACCMODE) !== 0) throw new Errno(E.EISDIR);
          fid.listing = undefined;
        } else {
          throw new Errno(E.ELOOP);
        }
        fid.opened = true;
        return reply((w) => w.qid(this.qidOf(fid.path, st)).u32(this.iounit()));
      }
      case Op.Tlcreate: {
        const fid = this.fid(r.u32());
        const name = checkName(r.strBytes());
        const flags = r.u32();
        const mode = r.u32();
        const path = join(fid.path, name);
        const handle = this.fs.open(path, openFlags(flags, true), mode & 0o777);
        fid.handle?.close();
        fid.path = path;
        fid.handle = handle;
        fid.opened = true;
        return reply((w) => w.qid(this.qidOf(path, handle.stat())).u32(this.iounit()));
      }
      case Op.Tread: {
        const fid = this.fid(r.u32());
        const offset = r.u64();
        const count = Math.min(r.u32(), this.msize - HEADER - 4);
        if (!fid.handle) throw new Errno(fid.opened ? E.EISDIR : E.EBADF);
        const buf = Buffer.allocUnsafe(count);
        const n = fid.handle.read(buf, 0, count, Number(offset));
        this.stats.bytesRead += n;
        return reply((w) => w.u32(n).raw(buf.subarray(0, n)));
      }
      case Op.Twrite: {
        const fid = this.fid(r.u32());
        const offset = r.u64();
        const count = r.u32();
        const data = r.bytes(count);
        if (!fid.handle) throw new Errno(fid.opened ? E.EISDIR : E.EBADF);
        const n = fid.handle.write(data, 0, data.length, Number(offset));
        this.stats.bytesWritten += n;
        return reply((w) => w.u32(n));
      }
      case Op.Treaddir:
        return this.readdir(r, reply);
      case Op.Tfsync:
        // hostDir writes go straight to the host file; memory filesystems have nothing to flush.
        this.fid(r.u32());
        return reply();
      case Op.Tmkdir: {
        const dir = this.fid(r.u32());
        const name = checkName(r.strBytes());
        const mode = r.u32();
        const path = join(dir.path, name);
        this.fs.mkdir(path, { mode: mode & 0o777 });
        return reply((w) => w.qid(this.qidOf(path, this.fs.lstat(path))));
      }
      case Op.Tsymlink: {
        const dir = this.fid(r.u32());
        const name = checkName(r.strBytes());
        const target = utf8(r.strBytes());
        const path = join(dir.path, name);
        this.fs.symlink(target, path);
        return reply((w) => w.qid(this.qidOf(path, this.fs.lstat(path))));
      }
      case Op.Treadlink: {
        const fid = this.fid(r.u32());
        return reply((w) => w.str(this.fs.readlink(fid.path)));
      }
      case Op.Trename: {
        const fid = this.fid(r.u32());
        const dir = this.fid(r.u32());
        const to = join(dir.path, checkName(r.strBytes()));
        this.fs.rename(fid.path, to);
        fid.path = to;
        return reply();
      }
      case Op.Trenameat: {
        const from = join(this.fid(r.u32()).path, checkName(r.strBytes()));
        const to = join(this.fid(r.u32()).path, checkName(r.strBytes()));
        this.fs.rename(from, to);
        return reply();
      }
      case Op.Tunlinkat: {
        const dir = this.fid(r.u32());
        const path = join(dir.path, checkName(r.strBytes()));
        const flags = r.u32();
        if (flags & AT_REMOVEDIR) this.fs.rmdir(path);
        else this.fs.unlink(path);
        return reply();
      }
      case Op.Tlock:
        // Advisory locks are per guest; the host does not arbitrate them. 0 = success.
        this.fid(r.u32());
        return reply((w) => w.u8(0));
      case Op.Tgetlock: {
        this.fid(r.u32());
        r.u8();
        const start = r.u64();
        const length = r.u64();
        const procId = r.u32();
        const client = r.strBytes();
        return reply((w) => w.u8(2 /* F_UNLCK */).u64(start).u64(length).u32(procId).str(client));
      }
      case Op.Txattrwalk:
      case Op.Txattrcreate:
        throw new Errno(E.EOPNOTSUPP);
      case Op.Tlink:
      case Op.Tmknod:
        // No hard links (a second name can escape a grant) and no device nodes.
        throw new Errno(E.EPERM);
      default:
        throw new Errno(E.EOPNOTSUPP);
    }
  }

  private walk(r: Reader, tag: number): Buffer {
    const fidNo = r.u32();
    const newFid = r.u32();
    const count = r.u16();
    if (count > 16) throw new Errno(E.EINVAL);
    const start = this.fid(fidNo);
    if (newFid !== fidNo && this.fids.has(newFid)) throw new Errno(E.EBADF);
    if (start.opened) throw new Errno(E.EBADF);
    const qids: Qid[] = [];
    let path = start.path;
    for (let i = 0; i < count; i++) {
      const raw = r.strBytes();
      try {
        path =
          raw.length === 2 && raw[0] === 0x2e && raw[1] === 0x2e
            ? parent(path)
            : join(path, checkName(raw));
        qids.push(this.qidOf(path, this.fs.lstat(path)));
      } catch (e) {
        // 9P: a failure on the first name is an error; later ones return the qids walked so far.
        if (i === 0) throw e;
        return new Writer(Op.Twalk + 1, tag).u16(qids.length).finish();
      }
    }
    if (newFid === fidNo) start.path = path;
    else this.newFid(newFid, path);
    const w = new Writer(Op.Twalk + 1, tag).u16(qids.length);
    for (const q of qids) w.qid(q);
    return w.finish();
  }

  private setattr(r: Reader, reply: (w?: (w: Writer) => Writer) => Buffer): Buffer {
    const fid = this.fid(r.u32());
    const valid = r.u32();
    r.u32(); // mode
    r.u32(); // uid
    r.u32(); // gid
    const size = r.u64();
    if (valid & (SETATTR_UID | SETATTR_GID)) throw new Errno(E.EPERM);
    if (valid & SETATTR_SIZE) {
      if (fid.handle) fid.handle.truncate(Number(size));
      else this.fs.truncate(fid.path, Number(size));
    }
    // Mode and times are not part of the vfs: chmod/utimes succeed without effect, so tools
    // like `touch` and `cp -p` work; they cannot grant anything the filesystem did not.
    return reply();
  }

  private readdir(r: Reader, reply: (w?: (w: Writer) => Writer) => Buffer): Buffer {
    const fid = this.fid(r.u32());
    const offset = Number(r.u64());
    const count = Math.min(r.u32(), this.msize - HEADER - 4);
    if (!fid.opened || fid.handle) throw new Errno(E.ENOTDIR);
    if (offset === 0 || !fid.listing) {
      const entries = this.fs.readdir(fid.path, { withFileTypes: true });
      fid.listing = [];
      for (const entry of entries) {
        const path = join(fid.path, entry.name);
        try {
          const st = this.fs.lstat(path);
          fid.listing.push({
            name: entry.name,
            qid: this.qidOf(path, st),
            type: st.type === "dir" ? DT_DIR : st.type === "symlink" ? DT_LNK : DT_REG,
          });
        } catch {
          // gone since the listing, or not visible: leave it out
        }
      }
    }
    const parts: Buffer[] = [];
    let used = 0;
    for (let i = offset; i < fid.listing.length; i++) {
      const e = fid.listing[i]!;
      const name = Buffer.from(e.name, "utf8");
      const size = 13 + 8 + 1 + strSize(name);
      if (used + size > count) break;
      const w = new Writer(0, 0)
        .qid(e.qid)
        .u64(i + 1)
        .u8(e.type)
        .str(name);
      parts.push(w.finish().subarray(HEADER));
      used += size;
    }
    return reply((w) => w.u32(used).raw(Buffer.concat(parts, used)));
  }

  private attr(w: Writer, path: string, st: Stats): Writer {
    const typeBits = st.type === "dir" ? S_IFDIR : st.type === "symlink" ? S_IFLNK : S_IFREG;
    const sec = (ms: number) => BigInt(Math.floor(ms / 1000));
    const nsec = (ms: number) => BigInt(Math.floor((ms % 1000) * 1e6));
    return w
      .u64(0x3fff) // P9_GETATTR_ALL
      .qid(this.qidOf(path, st))
      .u32(typeBits | (st.mode & 0o7777))
      .u32(0)
      .u32(0)
      .u64(Math.max(1, st.nlink))
      .u64(0)
      .u64(st.size)
      .u64(4096)
      .u64(Math.ceil(st.size / 512))
      .u64(sec(st.atimeMs))
      .u64(nsec(st.atimeMs))
      .u64(sec(st.mtimeMs))
      .u64(nsec(st.mtimeMs))
      .u64(sec(st.ctimeMs))
      .u64(nsec(st.ctimeMs))
      .u64(sec(st.birthtimeMs))
      .u64(nsec(st.birthtimeMs))
      .u64(0)
      .u64(0);
  }

  private qidOf(path: string, st: Stats): Qid {
    const type = st.type === "dir" ? QT_DIR : st.type === "symlink" ? QT_SYMLINK : QT_FILE;
    let id = BigInt(st.ino);
    // Filesystems without stable inode numbers: derive one from the path.
    if (id === 0n) id = createHash("sha1").update(path).digest().readBigUInt64LE(0);
    return { type, version: Math.floor(st.mtimeMs) >>> 0, path: id };
  }

  private iounit(): number {
    return this.msize - HEADER - 4 - 8;
  }

  private fid(n: number): Fid {
    const fid = n === NOFID ? undefined : this.fids.get(n);
    if (!fid) throw new Errno(E.EBADF);
    return fid;
  }

  private newFid(n: number, path: string): void {
    if (n === NOFID) throw new Errno(E.EBADF);
    this.fids.get(n)?.handle?.close();
    this.fids.set(n, { path, opened: false });
  }
}

/** Linux open flags → the vfs's flag strings. `create`: the file is new (Tlcreate). */
function openFlags(flags: number, create: boolean): OpenFlags {
  const acc = flags & O_ACCMODE;
  if (create) {
    const excl = (flags & O_EXCL) !== 0;
    if (acc === O_WRONLY) return excl ? "wx" : "w";
    return excl ? "wx+" : "w+";
  }
  if (acc === O_WRONLY) return flags & O_TRUNC ? "w" : "r+";
  if (acc === O_RDWR) return flags & O_TRUNC ? "w+" : "r+";
  return "r";
}

const decoder = new TextDecoder("utf-8", { fatal: true });

function utf8(raw: Buffer): string {
  try {
    return decoder.decode(raw);
  } catch {
    throw new Errno(E.EINVAL);
  }
}

/** A single path component the guest sent: never empty, `.`, `..`, or containing `/` or NUL. */
function checkName(raw: Buffer): string {
  const name = utf8(raw);
  if (name === "" || name === "." || name === ".." || name.includes("/") || name.includes("\0")) {
    throw new Errno(E.EINVAL);
  }
  if (raw.length > 255) throw new Errno(E.ENAMETOOLONG);
  return name;
}

function join(dir: string, name: string): string {
  return dir === "/" ? `/${name}` : `${dir}/${name}`;
}

/** `..` of the root is the root: the guest can never name anything above the export. */
function parent(path: string): string {
  const i = path.lastIndexOf("/");
  return i <= 0 ? "/" : path.slice(0, i);
}
