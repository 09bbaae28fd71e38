import Foundation

/// What the HDF5 library is doing right now, told to a supervising parent process (the CLI's
/// `Supervisor`, issue 12): libhdf5 1.10.8 can crash, loop or allocate without bound on a
/// crafted file, and the parent turns that into one line naming the file, the HDF5 path and
/// what was being read.
///
/// Inactive unless the environment names a pipe: `FP8MOE_PROGRESS_FD=<fd>`. Each outermost
/// public read of `HDF5File` then writes, before calling into the library,
///
///     B <TAB> <seconds allowed> <TAB> <file> <TAB> <HDF5 path> <TAB> <what> <TAB> <bytes read>
///       <TAB> <resident bytes now> <LF>
///
/// and `E <LF>` when it returns (fields with control characters escaped, so a line is a
/// message). Steps nest (reading a dataset: opening it, checking its chunks, reading the
/// data): the innermost open step is the one running, and an outer step's clock starts again
/// when an inner one ends. The allowance is 5 s plus 1 s per 20 MB the step reads
/// (`FP8MOE_READ_TIMEOUT` overrides the 5 s): a step over its allowance is a hang. The bytes
/// the step reads and the process's resident memory when it starts (read here, before the
/// library runs, so that an allocation cannot hide in the baseline) let the parent bound what
/// the library may allocate during the step.
public enum ReadProgress {
    /// The pipe's write end, or -1 when nobody listens.
    nonisolated(unsafe) private static var descriptor: Int32 = {
        guard let text = ProcessInfo.processInfo.environment["FP8MOE_PROGRESS_FD"],
              let fd = Int32(text), fd >= 0 else { return -1 }
        return fd
    }()

    /// The seconds a metadata step may take (`FP8MOE_READ_TIMEOUT`, default 5).
    public static let baseAllowance: Double = {
        ProcessInfo.processInfo.environment["FP8MOE_READ_TIMEOUT"].flatMap(Double.init) ?? 5
    }()

    /// Runs `body` as one step reading `bytes` bytes of `what` at `path` in `file`.
    /// Called with `HDF5Library`'s lock held.
    static func step<R>(_ file: String, _ path: String, _ what: String, bytes: Int = 0,
                        _ body: () throws(FixtureError) -> R) throws(FixtureError) -> R {
        guard descriptor >= 0 else { return try body() }
        let seconds = baseAllowance + Double(bytes) / 20e6
        send("B\t\(Int(seconds.rounded(.up)))\t\(escaped(file))\t\(escaped(path))\t\(escaped(what))\t\(bytes)\t\(residentBytes(of: nil))\n")
        defer { send("E\n") }
        return try body()
    }

    private static func send(_ line: String) {
        var bytes = Array(line.utf8)
        if bytes.count > 4000 { bytes = Array(bytes.prefix(3999)) + [10] }  // one atomic pipe write
        _ = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
    }
}

/// The resident memory of process `pid` (nil: this process) in bytes, from `/proc/<pid>/statm`
/// (its second field, in pages); 0 where it cannot be read.
public func residentBytes(of pid: Int32?) -> UInt64 {
    let path = pid.map { "/proc/\($0)/statm" } ?? "/proc/self/statm"
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { return 0 }
    defer { close(fd) }
    var buffer = [UInt8](repeating: 0, count: 128)
    let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
    guard count > 0 else { return 0 }
    let fields = buffer[..<count].split(separator: UInt8(ascii: " "))
    guard fields.count > 1, let pages = UInt64(String(decoding: fields[1], as: UTF8.self)) else { return 0 }
    return pages * UInt64(sysconf(Int32(_SC_PAGESIZE)))
}

/// `text` with every control character written as an escape (`\n`, `\t`, `\r`, `\u{1b}`), so
/// that a name from a file can never break a one-line message or a tab-separated record.
public func escaped(_ text: String) -> String {
    var out = ""
    out.reserveCapacity(text.utf8.count)
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\n": out += "\\n"
        case "\t": out += "\\t"
        case "\r": out += "\\r"
        default:
            if scalar.value < 0x20 || (0x7f...0x9f).contains(scalar.value) || scalar == "\u{2028}" || scalar == "\u{2029}" {
                out += "\\u{\(String(scalar.value, radix: 16))}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
    }
    return out
}
