import ArgumentParser
import Foundation
import HDF5

/// Bad input from the user or a file: printed as one clear line on stderr, exit status 2
/// (SPEC section 6). ArgumentParser's own usage errors keep their status.
struct InputError: Error, CustomStringConvertible {
    let message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
}

extension ParsableCommand {
    /// Runs `body`, turning an `InputError` into a message on stderr and exit status 2.
    func exitingOnBadInput(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch let error as InputError {
            printError("fp8moe: \(error.message)")
            throw ExitCode(2)
        }
    }
}

/// Writes `line` to stderr as exactly one line: control characters in it (a newline in an HDF5
/// name or attribute) are escaped (issue 12).
func printError(_ line: String) {
    writeStandardError(escaped(line) + "\n")
}

func writeStandardError(_ text: String) {
    FileHandle.standardError.write(Data(text.utf8))
}
