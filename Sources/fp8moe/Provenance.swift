import Foundation

/// Provenance a file written by fp8moe carries: the emulator's commit (the git checkout the
/// command runs in, when it is one), the date (UTC) and the command line.
enum Provenance {
    static func current() -> [String: String] {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        return [
            "emulator_commit": gitCommit() ?? "unknown (not run inside a git checkout)",
            "date": formatter.string(from: Date()),
            "command": CommandLine.arguments.map { $0.contains(" ") ? "'\($0)'" : $0 }.joined(separator: " "),
        ]
    }

    /// `git rev-parse HEAD` in the current directory (with `-dirty` when the tree has changes), or nil.
    static func gitCommit() -> String? {
        func git(_ args: [String]) -> String? {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            p.arguments = ["git"] + args
            let out = Pipe()
            p.standardOutput = out
            p.standardError = FileHandle.nullDevice
            do { try p.run() } catch { return nil }
            let data = out.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            guard p.terminationStatus == 0 else { return nil }
            return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        guard let head = git(["rev-parse", "HEAD"]) else { return nil }
        let dirty = (git(["status", "--porcelain", "--untracked-files=no"]) ?? "").isEmpty ? "" : "-dirty"
        return head + dirty
    }
}
