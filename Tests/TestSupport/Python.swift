// Module TestSupport: helpers shared by the test targets (not shipped: no product names it).
// A helper two test targets would otherwise each write goes here.
import Foundation

/// `python3` exited with a non-zero status.
public struct PythonFailed: Error, CustomStringConvertible {
    public var status: Int32
    public var stderr: String
    public var description: String { "python3 exited with \(status): \(stderr)" }
}

/// Runs `python3 -c script arguments...` and returns its standard output; throws
/// `PythonFailed` with python's stderr when it fails. The tests that use it need `python3`
/// with h5py and numpy (`.ci/run` installs them); they are never skipped: where h5py is
/// missing they fail, saying so.
@discardableResult
public func runPython(_ script: String, _ arguments: [String] = []) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", script] + arguments
    let output = Pipe(), errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    try process.run()
    // Read both pipes to the end before waiting, so a full pipe cannot block the child.
    // (Sequential reads suffice for these scripts' small outputs on stderr.)
    let outData = output.fileHandleForReading.readDataToEndOfFile()
    let errData = errors.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw PythonFailed(status: process.terminationStatus, stderr: String(decoding: errData, as: UTF8.self))
    }
    return String(decoding: outData, as: UTF8.self)
}
