// Module TestSupport: helpers shared by the test targets (not shipped: no product names it).
// A helper two test targets would otherwise each write goes here.
import Foundation

/// What a finished child process gave: its exit status and both output streams, whole.
public struct ProcessResult: Sendable {
    public var status: Int32
    public var stdout: Data
    public var stderr: Data
    public var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
    public var stderrText: String { String(decoding: stderr, as: UTF8.self) }
}

/// Runs `executable arguments...` in `directory` with `environment` added to this process's,
/// writes `stdin` (then closes it; nil: an empty input), and waits. Both pipes are read to the
/// end at once (stderr on a second thread), so a child that fills one cannot block.
public func runProcess(_ executable: URL, _ arguments: [String], directory: URL? = nil,
                       environment extra: [String: String] = [:], stdin: Data? = nil) throws -> ProcessResult {
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    if let directory { process.currentDirectoryURL = directory }
    if !extra.isEmpty {
        process.environment = ProcessInfo.processInfo.environment.merging(extra) { $1 }
    }
    let output = Pipe(), errors = Pipe(), input = Pipe()
    process.standardOutput = output
    process.standardError = errors
    process.standardInput = input
    try process.run()
    if let stdin { input.fileHandleForWriting.write(stdin) }
    try input.fileHandleForWriting.close()
    final class Box: @unchecked Sendable { var data = Data() }  // written before `group` is left
    let errBox = Box(), group = DispatchGroup()
    let errHandle = errors.fileHandleForReading
    DispatchQueue.global().async(group: group) { errBox.data = errHandle.readDataToEndOfFile() }
    let outData = output.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    process.waitUntilExit()
    return ProcessResult(status: process.terminationStatus, stdout: outData, stderr: errBox.data)
}

/// `python3` exited with a non-zero status.
public struct PythonFailed: Error, CustomStringConvertible {
    public var status: Int32
    public var stderr: String
    public var description: String { "python3 exited with \(status): \(stderr)" }
}

/// Runs `python3 -c script arguments...` (in `directory` if given) and returns its standard
/// output; throws `PythonFailed` with python's stderr when it fails. The tests that use it need
/// `python3` with h5py and numpy (`.ci/run` installs them); they are never skipped: where h5py
/// is missing they fail, saying so.
@discardableResult
public func runPython(_ script: String, _ arguments: [String] = [], directory: URL? = nil) throws -> String {
    let r = try runProcess(URL(fileURLWithPath: "/usr/bin/env"), ["python3", "-c", script] + arguments,
                           directory: directory)
    guard r.status == 0 else { throw PythonFailed(status: r.status, stderr: r.stderrText) }
    return r.stdoutText
}
